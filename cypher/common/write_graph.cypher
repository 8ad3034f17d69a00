// Merge one scope's extracted entities, mentions and facts in one transaction.
// Entities merge on their normalised key. A fact row's statements (JSON text,
// one per episode or post) join the live fact of the same (subject, predicate,
// object) with the smallest id, or start a new fact; a statement already held
// is not added twice, so a retried batch changes nothing. Only live versions
// (latest) take statements; archived versions are history. Supersession then
// recomputes each touched chain from its statements (temporal/restatement.py):
// it sets the stated and derived valid time, and splits a functional chain
// where a value returns after another one.
// Each `WITH count(...)` carries no grouping key, so an empty list never drops
// the row the next section needs.
UNWIND $entities AS row
MERGE (n:Entity {tenant: $tenant, space: $space, key: row.key})
  ON CREATE SET n.id = row.id, n.name = row.name, n.type = row.type, n.aliases = [],
    n.created_at = $now, n.updated_at = $now
  ON MATCH SET
    n.aliases = CASE
      WHEN row.name <> n.name AND NOT row.name IN n.aliases THEN n.aliases + row.name
      ELSE n.aliases END,
    n.updated_at = $now
WITH count(n) AS merged_entities
UNWIND $mentions AS row
MATCH (e:Episode {tenant: $tenant, space: $space, id: row.episode_id})
MATCH (n:Entity {tenant: $tenant, space: $space, key: row.key})
MERGE (e)-[m:MENTIONS]->(n)
WITH count(m) AS merged_mentions
UNWIND $facts AS row
MATCH (s:Entity {tenant: $tenant, space: $space, key: row.subject_key})
MATCH (o:Entity {tenant: $tenant, space: $space, key: row.object_key})
OPTIONAL MATCH (s)-[live:FACT {predicate: row.predicate, latest: true}]->(o)
WHERE live.tenant = $tenant AND live.space = $space
WITH row, s, o, min(live.id) AS live_id
MERGE (s)-[f:FACT {
  tenant: $tenant, space: $space, predicate: row.predicate, latest: true,
  id: coalesce(live_id, row.id)
}]->(o)
  ON CREATE SET f.text = row.text, f.confidence = row.confidence,
    f.valid_from = row.valid_from, f.valid_to = row.valid_to, f.recorded_at = $now,
    f.stated_valid_from = row.valid_from, f.stated_valid_to = row.valid_to,
    f.observed_at = coalesce(row.observed_at, $now), f.statements = row.statements,
    f.episode_ids = row.episode_ids, f.agent_id = row.agent_id, f.run_id = row.run_id,
    f.app_id = row.app_id, f.extractor = row.extractor,
    f.private = CASE WHEN row.private THEN true ELSE null END
  ON MATCH SET
    f.statements = coalesce(f.statements, [])
      + [x IN row.statements WHERE NOT x IN coalesce(f.statements, [])],
    f.episode_ids = f.episode_ids + [x IN row.episode_ids WHERE NOT x IN f.episode_ids],
    f.confidence = CASE WHEN row.confidence > f.confidence THEN row.confidence
      ELSE f.confidence END
RETURN collect({row_id: row.id, id: f.id}) AS fact_ids

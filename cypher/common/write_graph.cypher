// Merge one scope's extracted entities, mentions and facts in one transaction.
// Entities merge on their normalised key; a fact merges on (subject, predicate,
// object) and a re-statement adds its episodes and keeps the higher confidence.
// Only the live version (latest) merges; archived versions are history. Stated
// valid time combines commutatively (earliest start, latest end, earliest
// observation) so the order episodes arrive in does not matter; the derived
// valid_from/valid_to are set by supersession afterwards (temporal/).
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
MERGE (s)-[f:FACT {tenant: $tenant, space: $space, predicate: row.predicate, latest: true}]->(o)
  ON CREATE SET f.id = row.id, f.text = row.text, f.confidence = row.confidence,
    f.valid_from = row.valid_from, f.valid_to = row.valid_to, f.recorded_at = $now,
    f.stated_valid_from = row.valid_from, f.stated_valid_to = row.valid_to,
    f.observed_at = coalesce(row.observed_at, $now),
    f.episode_ids = row.episode_ids, f.agent_id = row.agent_id, f.run_id = row.run_id,
    f.app_id = row.app_id
  ON MATCH SET
    f.episode_ids = f.episode_ids + [x IN row.episode_ids WHERE NOT x IN f.episode_ids],
    f.confidence = CASE WHEN row.confidence > f.confidence THEN row.confidence
      ELSE f.confidence END,
    f.stated_valid_from = CASE
      WHEN row.valid_from IS NULL THEN f.stated_valid_from
      WHEN f.stated_valid_from IS NULL OR row.valid_from < f.stated_valid_from
        THEN row.valid_from
      ELSE f.stated_valid_from END,
    f.stated_valid_to = CASE
      WHEN row.valid_to IS NULL THEN f.stated_valid_to
      WHEN f.stated_valid_to IS NULL OR row.valid_to > f.stated_valid_to THEN row.valid_to
      ELSE f.stated_valid_to END,
    f.observed_at = CASE
      WHEN row.observed_at IS NOT NULL AND row.observed_at < f.observed_at
        THEN row.observed_at
      ELSE f.observed_at END
RETURN collect({row_id: row.id, id: f.id}) AS fact_ids

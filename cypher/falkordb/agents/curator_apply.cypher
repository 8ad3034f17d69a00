// Curator, auto-fix and undo: apply one change in one transaction (see
// CuratorWrite): delete facts, mentions and entities; update entities in place
// (every property replaced) and create entities, facts and mentions as the
// change log holds them; restore insight ABOUT edges; mark undone entries;
// record the new change-log entry. Each `WITH count(...)` carries no grouping
// key, so an empty list never drops the row the next section needs. This copy
// differs from neo4j/ only in vecf32(): `SET n = props` drops the old vector
// first, so the new one is set over nothing (FalkorDB 4.16 ignores SET of a
// vecf32 over one of the same dimension).
UNWIND $delete_facts AS id
MATCH ()-[f:FACT {id: id}]->()
WHERE f.tenant = $tenant AND f.space = $space
DELETE f
WITH count(*) AS deleted_facts
UNWIND $delete_mentions AS pair
MATCH (e:Episode {tenant: $tenant, space: $space, id: pair.episode_id})
  -[m:MENTIONS]->(n:Entity {tenant: $tenant, space: $space, id: pair.entity_id})
DELETE m
WITH count(*) AS deleted_mentions
UNWIND $delete_entities AS id
MATCH (n:Entity {tenant: $tenant, space: $space, id: id})
DETACH DELETE n
WITH count(*) AS deleted_entities
UNWIND $update_entities AS row
MATCH (n:Entity {tenant: $tenant, space: $space, id: row.props.id})
SET n = row.props
SET n.tenant = $tenant, n.space = $space
WITH n, row
FOREACH (_ IN CASE WHEN row.embedding IS NULL THEN [] ELSE [1] END |
  SET n.embedding = vecf32(row.embedding))
WITH count(*) AS updated_entities
UNWIND $create_entities AS row
CREATE (n:Entity)
SET n = row.props
SET n.tenant = $tenant, n.space = $space
FOREACH (_ IN CASE WHEN row.embedding IS NULL THEN [] ELSE [1] END |
  SET n.embedding = vecf32(row.embedding))
WITH count(*) AS created_entities
UNWIND $facts AS row
MATCH (s:Entity {tenant: $tenant, space: $space, id: row.subject_id})
MATCH (o:Entity {tenant: $tenant, space: $space, id: row.object_id})
CREATE (s)-[f:FACT]->(o)
SET f = row.props
SET f.tenant = $tenant, f.space = $space
FOREACH (_ IN CASE WHEN row.embedding IS NULL THEN [] ELSE [1] END |
  SET f.embedding = vecf32(row.embedding))
WITH count(*) AS created_facts
UNWIND $mentions AS row
MATCH (e:Episode {tenant: $tenant, space: $space, id: row.episode_id})
MATCH (n:Entity {tenant: $tenant, space: $space, id: row.entity_id})
MERGE (e)-[m:MENTIONS]->(n)
SET m += row.props
WITH count(*) AS created_mentions
UNWIND $about AS row
MATCH (i:Insight {tenant: $tenant, space: $space, id: row.insight_id})
MATCH (n:Entity {tenant: $tenant, space: $space, id: row.entity_id})
MERGE (i)-[:ABOUT]->(n)
WITH count(*) AS restored_about
UNWIND $undo_seqs AS seq
MATCH (c:CuratorChange {tenant: $tenant, space: $space, run_id: $run_id, seq: seq})
SET c.undone_at = $now
WITH count(*) AS undone
FOREACH (r IN $record |
  CREATE (:CuratorChange {
    tenant: $tenant, space: $space, run_id: $run_id, seq: r.seq, op: r.op,
    before: r.before, after: r.after, created_at: $now
  }))
RETURN undone

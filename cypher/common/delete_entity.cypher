// Hard-delete an entity with its facts (every version) and mentions; returns
// the chains of other subjects that lost a fact pointing at it.
MATCH (n:Entity {tenant: $tenant, space: $space, id: $id})
OPTIONAL MATCH (s:Entity)-[f:FACT]->(n)
WITH n, collect(CASE WHEN f IS NULL THEN null ELSE {
  subject_key: s.key, predicate: f.predicate
} END) AS touched
OPTIONAL MATCH (n)-[r:FACT]-()
WITH n, touched, count(r) AS facts
DETACH DELETE n
RETURN touched, facts

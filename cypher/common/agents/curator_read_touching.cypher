// Curator, change log: every fact version going out of or into the given
// entities, with every stored property and the ids of both ends. Two directed
// patterns, the scope checked on the far entity (see curator_entities.cypher);
// a fact between two given entities comes twice (the caller keeps one).
UNWIND $ids AS id
MATCH (n:Entity {tenant: $tenant, space: $space, id: id})-[f:FACT]->(o:Entity)
WHERE o.tenant = $tenant AND o.space = $space
RETURN properties(f) AS props, n.id AS subject_id, o.id AS object_id
UNION ALL
UNWIND $ids AS id
MATCH (s:Entity)-[f:FACT]->(n:Entity {tenant: $tenant, space: $space, id: id})
WHERE s.tenant = $tenant AND s.space = $space
RETURN properties(f) AS props, s.id AS subject_id, n.id AS object_id

// Curator, change log: facts by id (every version named) with every stored
// property and the ids of both ends.
MATCH (s:Entity)-[f:FACT]->(o:Entity)
WHERE f.id IN $ids AND f.tenant = $tenant AND f.space = $space
RETURN properties(f) AS props, s.id AS subject_id, o.id AS object_id

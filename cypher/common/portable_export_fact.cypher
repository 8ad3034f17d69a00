// Export: one page of a space's facts, every version (live and archived),
// with every stored property and the ids of both ends, in id order.
MATCH (s:Entity)-[f:FACT {tenant: $tenant, space: $space}]->(o:Entity)
WHERE f.id > $after
WITH s, f, o
ORDER BY f.id
LIMIT $limit
RETURN properties(f) AS props, s.id AS subject_id, o.id AS object_id

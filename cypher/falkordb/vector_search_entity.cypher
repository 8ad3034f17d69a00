// ANN over all entities, then this scope. FalkorDB yields cosine distance.
CALL db.idx.vector.queryNodes('Entity', 'embedding', $k, vecf32($vector))
YIELD node, score
WITH node AS n, score
WHERE n.tenant = $tenant AND n.space = $space
RETURN n.id AS id, 1.0 - score AS score
ORDER BY score DESC, id

// ANN over all facts, then this scope. FalkorDB yields cosine distance.
CALL db.idx.vector.queryRelationships('FACT', 'embedding', $k, vecf32($vector))
YIELD relationship, score
WITH relationship AS f, score
WHERE f.tenant = $tenant AND f.space = $space
RETURN f.id AS id, 1.0 - score AS score
ORDER BY score DESC

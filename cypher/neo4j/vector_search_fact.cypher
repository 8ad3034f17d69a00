// ANN over all facts, then this scope. Neo4j's cosine score is (1 + cos) / 2.
CALL db.index.vector.queryRelationships('fact_embedding', $k, $vector)
YIELD relationship, score
WITH relationship AS f, score
WHERE f.tenant = $tenant AND f.space = $space
RETURN f.id AS id, 2.0 * score - 1.0 AS score
ORDER BY score DESC

// ANN over all entities, then this scope. Neo4j's cosine score is (1 + cos) / 2.
CALL db.index.vector.queryNodes('entity_embedding', $k, $vector)
YIELD node, score
WITH node AS n, score
WHERE n.tenant = $tenant AND n.space = $space
RETURN n.id AS id, 2.0 * score - 1.0 AS score
ORDER BY score DESC

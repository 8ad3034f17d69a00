// ANN over all episodes, then this scope. Neo4j's cosine score is (1 + cos) / 2.
CALL db.index.vector.queryNodes('episode_embedding', $k, $vector)
YIELD node, score
WITH node AS e, score
WHERE e.tenant = $tenant AND e.space = $space AND e.recorded_at <= $known_at
RETURN e.id AS id, 2.0 * score - 1.0 AS score
ORDER BY score DESC

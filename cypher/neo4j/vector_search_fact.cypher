// ANN over all facts, then this scope. Neo4j's cosine score is (1 + cos) / 2.
CALL db.index.vector.queryRelationships('fact_embedding', $k, $vector)
YIELD relationship, score
WITH relationship AS f, score
WHERE f.tenant = $tenant AND f.space = $space
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
  AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
RETURN f.id AS id, 2.0 * score - 1.0 AS score
ORDER BY score DESC

// Exact cosine over one space's facts. vector.similarity.cosine is (1 + cos) / 2.
MATCH ()-[f:FACT {tenant: $tenant, space: $space}]->()
WHERE f.embedding IS NOT NULL
WITH f.id AS id, 2.0 * vector.similarity.cosine(f.embedding, $vector) - 1.0 AS score
RETURN id, score
ORDER BY score DESC
LIMIT $k

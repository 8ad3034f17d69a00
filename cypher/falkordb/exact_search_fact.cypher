// Exact cosine over one space's facts (small spaces: no ANN recall loss).
MATCH ()-[f:FACT {tenant: $tenant, space: $space}]->()
WHERE f.embedding IS NOT NULL
WITH f.id AS id, 1.0 - vec.cosineDistance(f.embedding, vecf32($vector)) AS score
RETURN id, score
ORDER BY score DESC
LIMIT $k

// Exact cosine over one space's entities (small spaces: no ANN recall loss).
MATCH (n:Entity {tenant: $tenant, space: $space})
WHERE n.embedding IS NOT NULL
WITH n.id AS id, 1.0 - vec.cosineDistance(n.embedding, vecf32($vector)) AS score
RETURN id, score
ORDER BY score DESC, id
LIMIT $k

// Exact cosine over one space's entities. vector.similarity.cosine is (1 + cos) / 2.
MATCH (n:Entity {tenant: $tenant, space: $space})
WHERE n.embedding IS NOT NULL
WITH n.id AS id, 2.0 * vector.similarity.cosine(n.embedding, $vector) - 1.0 AS score
RETURN id, score
ORDER BY score DESC, id
LIMIT $k

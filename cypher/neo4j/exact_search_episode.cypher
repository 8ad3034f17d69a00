// Exact cosine over one space's episodes. vector.similarity.cosine is (1 + cos) / 2.
MATCH (e:Episode {tenant: $tenant, space: $space})
WHERE e.embedding IS NOT NULL AND e.recorded_at <= $known_at
  AND ($agent_id IS NULL OR e.agent_id = $agent_id) AND ($run_id IS NULL OR e.run_id = $run_id) AND ($app_id IS NULL OR e.app_id = $app_id)
WITH e.id AS id, 2.0 * vector.similarity.cosine(e.embedding, $vector) - 1.0 AS score
RETURN id, score
ORDER BY score DESC, id
LIMIT $k

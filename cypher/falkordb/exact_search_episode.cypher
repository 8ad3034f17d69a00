// Exact cosine over one space's episodes (small spaces: no ANN recall loss).
MATCH (e:Episode {tenant: $tenant, space: $space})
WHERE e.embedding IS NOT NULL AND e.recorded_at <= $known_at
  AND ($agent_id IS NULL OR e.agent_id = $agent_id) AND ($run_id IS NULL OR e.run_id = $run_id) AND ($app_id IS NULL OR e.app_id = $app_id)
WITH e.id AS id, 1.0 - vec.cosineDistance(e.embedding, vecf32($vector)) AS score
RETURN id, score
ORDER BY score DESC, id
LIMIT $k

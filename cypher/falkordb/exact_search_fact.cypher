// Exact cosine over one space's facts (small spaces: no ANN recall loss).
MATCH ()-[f:FACT {tenant: $tenant, space: $space}]->()
WHERE f.embedding IS NOT NULL
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
  AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
WITH f.id AS id, 1.0 - vec.cosineDistance(f.embedding, vecf32($vector)) AS score
RETURN id, score
ORDER BY score DESC, id
LIMIT $k

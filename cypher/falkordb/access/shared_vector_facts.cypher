// Exact cosine over shared facts by id (the ids a shared scope allows) valid at
// $as_of and known at $known_at, with their text for lexical matching.
MATCH ()-[f:FACT]->()
WHERE f.id IN $ids AND f.tenant = $tenant AND f.space IN $spaces
  AND f.embedding IS NOT NULL
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
  AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
RETURN f.id AS id, f.text AS text,
  1.0 - vec.cosineDistance(f.embedding, vecf32($vector)) AS score

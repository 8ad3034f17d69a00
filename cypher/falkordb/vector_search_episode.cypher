// ANN over all episodes, then this scope. FalkorDB yields cosine distance.
CALL db.idx.vector.queryNodes('Episode', 'embedding', $k, vecf32($vector))
YIELD node, score
WITH node AS e, score
WHERE e.tenant = $tenant AND e.space = $space AND e.recorded_at <= $known_at
  AND ($agent_id IS NULL OR e.agent_id = $agent_id) AND ($run_id IS NULL OR e.run_id = $run_id) AND ($app_id IS NULL OR e.app_id = $app_id)
RETURN e.id AS id, 1.0 - score AS score
ORDER BY score DESC, id

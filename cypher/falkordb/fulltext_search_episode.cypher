// RediSearch over episode content; $query is built by the adapter from plain
// words and names this tenant's and space's tokens (the WHERE keeps exact matches).
CALL db.idx.fulltext.queryNodes('Episode', $query)
YIELD node, score
WITH node AS e, score
WHERE e.tenant = $tenant AND e.space = $space AND e.recorded_at <= $known_at
  AND ($agent_id IS NULL OR e.agent_id = $agent_id) AND ($run_id IS NULL OR e.run_id = $run_id) AND ($app_id IS NULL OR e.app_id = $app_id)
RETURN e.id AS id, score
ORDER BY score DESC, id
LIMIT $k

// ANN over the shared index ($k nearest across all tenants and spaces), then
// this scope; the adapter asks again with a larger $k while too few are in
// scope and the index returned all it was asked for (`seen`). Small spaces
// are scanned exactly instead (exact_search_*). Neo4j's cosine score is (1 + cos) / 2.
CALL db.index.vector.queryNodes('episode_embedding', $k, $vector)
YIELD node, score
WITH collect({e: node, score: score}) AS found
RETURN size(found) AS seen,
  [h IN found WHERE h.e.tenant = $tenant AND h.e.space = $space AND h.e.recorded_at <= $known_at
  AND ($agent_id IS NULL OR h.e.agent_id = $agent_id) AND ($run_id IS NULL OR h.e.run_id = $run_id) AND ($app_id IS NULL OR h.e.app_id = $app_id)
   | {id: h.e.id, score: 2.0 * h.score - 1.0}] AS hits

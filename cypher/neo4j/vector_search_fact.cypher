// ANN over the shared index ($k nearest across all tenants and spaces), then
// this scope; the adapter asks again with a larger $k while too few are in
// scope and the index returned all it was asked for (`seen`). Small spaces
// are scanned exactly instead (exact_search_*). Neo4j's cosine score is (1 + cos) / 2.
CALL db.index.vector.queryRelationships('fact_embedding', $k, $vector)
YIELD relationship, score
WITH collect({f: relationship, score: score}) AS found
RETURN size(found) AS seen,
  [h IN found WHERE h.f.tenant = $tenant AND h.f.space = $space
     AND (h.f.valid_from IS NULL OR h.f.valid_from <= $as_of)
     AND (h.f.valid_to IS NULL OR $as_of < h.f.valid_to)
     AND h.f.recorded_at <= $known_at AND (h.f.expired_at IS NULL OR $known_at < h.f.expired_at)
     AND ($agent_id IS NULL OR h.f.agent_id = $agent_id) AND ($run_id IS NULL OR h.f.run_id = $run_id) AND ($app_id IS NULL OR h.f.app_id = $app_id)
   | {id: h.f.id, score: 2.0 * h.score - 1.0}] AS hits

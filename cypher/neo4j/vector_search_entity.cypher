// ANN over the shared index ($k nearest across all tenants and spaces), then
// this scope; the adapter asks again with a larger $k while too few are in
// scope and the index returned all it was asked for (`seen`). Small spaces
// are scanned exactly instead (exact_search_*). Neo4j's cosine score is (1 + cos) / 2.
CALL db.index.vector.queryNodes('entity_embedding', $k, $vector)
YIELD node, score
WITH collect({n: node, score: score}) AS found
RETURN size(found) AS seen,
  [h IN found WHERE h.n.tenant = $tenant AND h.n.space = $space
   | {id: h.n.id, score: 2.0 * h.score - 1.0}] AS hits

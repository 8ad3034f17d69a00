// One page of Lucene hits over episode content and speaker. $query is built by
// the adapter from plain words and already names this tenant and space; the
// WHERE keeps exact matches only (the index compares analysed tokens). `seen`
// tells the adapter whether the index has more pages.
CALL db.index.fulltext.queryNodes('episode_text_scoped', $query, {skip: $skip, limit: $candidates})
YIELD node, score
WITH collect({e: node, score: score}) AS page
RETURN size(page) AS seen,
  [h IN page WHERE h.e.tenant = $tenant AND h.e.space = $space AND h.e.recorded_at <= $known_at
  AND ($agent_id IS NULL OR h.e.agent_id = $agent_id) AND ($run_id IS NULL OR h.e.run_id = $run_id) AND ($app_id IS NULL OR h.e.app_id = $app_id)
   | {id: h.e.id, score: h.score}] AS hits

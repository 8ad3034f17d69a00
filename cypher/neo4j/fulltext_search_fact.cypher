// One page of Lucene hits over fact text. $query is built by the adapter from
// plain words and already names this tenant and space; the WHERE keeps exact
// matches valid at $as_of and known at $known_at. `seen` tells the adapter
// whether the index has more pages.
CALL db.index.fulltext.queryRelationships('fact_text_scoped', $query, {skip: $skip, limit: $candidates})
YIELD relationship, score
WITH collect({f: relationship, score: score}) AS page
RETURN size(page) AS seen,
  [h IN page WHERE h.f.tenant = $tenant AND h.f.space = $space
     AND (h.f.valid_from IS NULL OR h.f.valid_from <= $as_of)
     AND (h.f.valid_to IS NULL OR $as_of < h.f.valid_to)
     AND h.f.recorded_at <= $known_at AND (h.f.expired_at IS NULL OR $known_at < h.f.expired_at)
     AND ($agent_id IS NULL OR h.f.agent_id = $agent_id) AND ($run_id IS NULL OR h.f.run_id = $run_id) AND ($app_id IS NULL OR h.f.app_id = $app_id)
   | {id: h.f.id, score: h.score}] AS hits

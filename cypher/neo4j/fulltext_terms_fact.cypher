// One page of hits per query word: the space's facts valid at $as_of and known
// at $known_at whose text matches it, for BM25 scoring by the caller. Each
// $terms row is {term, query}: the adapter's Lucene query for the word that
// already names this tenant and space, so other scopes' hits rarely take room
// in a page; the WHERE keeps exact matches (the index compares tokens, and
// tenant "acme" also matches "acme-eu"). `seen` tells the adapter whether the
// word has more pages.
UNWIND $terms AS t
CALL db.index.fulltext.queryRelationships('fact_text_scoped', t.query, {skip: $skip, limit: $candidates})
YIELD relationship
WITH t.term AS term, collect(relationship) AS page
WITH term, size(page) AS seen,
  [f IN page WHERE f.tenant = $tenant AND f.space = $space
     AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
     AND (f.valid_to IS NULL OR $as_of < f.valid_to)
     AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
     AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)] AS kept
RETURN term, seen, [f IN kept | f.id] AS ids, [f IN kept | size(f.text)] AS lengths

// One page of hits per query word: the space's episodes (known at $known_at)
// whose content or speaker matches it, for BM25 scoring by the caller. Each
// $terms row is {term, query}: the adapter's Lucene query for the word that
// already names this tenant and space, so other scopes' hits rarely take room
// in a page; the WHERE keeps exact matches (the index compares tokens, and
// tenant "acme" also matches "acme-eu"). `seen` tells the adapter whether the
// word has more pages.
UNWIND $terms AS t
CALL db.index.fulltext.queryNodes('episode_text_scoped', t.query, {skip: $skip, limit: $candidates})
YIELD node
WITH t.term AS term, collect(node) AS page
WITH term, size(page) AS seen,
  [e IN page WHERE e.tenant = $tenant AND e.space = $space AND e.recorded_at <= $known_at
  AND ($agent_id IS NULL OR e.agent_id = $agent_id) AND ($run_id IS NULL OR e.run_id = $run_id) AND ($app_id IS NULL OR e.app_id = $app_id)] AS kept
RETURN term, seen, [e IN kept | e.id] AS ids, [e IN kept | size(e.content)] AS lengths

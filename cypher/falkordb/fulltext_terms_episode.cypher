// For each query word, the space's episodes (known at $known_at) whose content
// or speaker matches it (stemmed), for BM25 scoring by the caller. Each $terms
// row is {term, query}: the adapter's RediSearch query for the word that also
// names this tenant's and space's tokens, so the index skips other scopes'
// postings. A word in more than $max_df episodes is too common to rank by and
// lists none. One word per index call, because the engine's own multi-word
// score ignores how rare each word is.
// No LIMIT inside the CALL: with one (a cap of max_df + 1 reads per word)
// LoCoMo conv-26 R@10 on FalkorDB 4.16 fell from 0.794 to 0.722, and
// without it came back to 0.794 (cause not isolated: a per-word count
// test passes either way).
UNWIND $terms AS t
CALL {
  WITH t
  CALL db.idx.fulltext.queryNodes('Episode', t.query)
  YIELD node
  WITH node AS e
  WHERE e.tenant = $tenant AND e.space = $space AND e.recorded_at <= $known_at
    AND ($agent_id IS NULL OR e.agent_id = $agent_id) AND ($run_id IS NULL OR e.run_id = $run_id) AND ($app_id IS NULL OR e.app_id = $app_id)
  WITH e
  RETURN collect(e.id) AS ids, collect(size(e.content)) AS lengths
}
WITH t, ids, lengths WHERE size(ids) > 0
RETURN t.term AS term, size(ids) AS df,
  CASE WHEN size(ids) <= $max_df THEN ids ELSE [] END AS ids,
  CASE WHEN size(ids) <= $max_df THEN lengths ELSE [] END AS lengths

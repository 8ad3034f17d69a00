// For each query word, the space's facts valid at $as_of and known at
// $known_at whose text matches it (stemmed), for BM25 scoring by the caller.
// Each $terms row is {term, query}: the adapter's RediSearch query for the
// word that also names this tenant's and space's tokens, so the index skips
// other scopes' postings. A word in more than $max_df facts is too common to
// rank by and lists none.
// No LIMIT inside the CALL: with one (a cap of max_df + 1 reads per word)
// LoCoMo conv-26 R@10 on FalkorDB 4.16 fell from 0.794 to 0.722, and
// without it came back to 0.794 (cause not isolated: a per-word count
// test passes either way).
UNWIND $terms AS t
CALL {
  WITH t
  CALL db.idx.fulltext.queryRelationships('FACT', t.query)
  YIELD relationship
  WITH relationship AS f
  WHERE f.tenant = $tenant AND f.space = $space
    AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
    AND (f.valid_to IS NULL OR $as_of < f.valid_to)
    AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
    AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
  WITH f
  RETURN collect(f.id) AS ids, collect(size(f.text)) AS lengths
}
WITH t, ids, lengths WHERE size(ids) > 0
RETURN t.term AS term, size(ids) AS df,
  CASE WHEN size(ids) <= $max_df THEN ids ELSE [] END AS ids,
  CASE WHEN size(ids) <= $max_df THEN lengths ELSE [] END AS lengths

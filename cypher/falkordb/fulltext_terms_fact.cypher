// For each query word, the space's facts valid at $as_of and known at
// $known_at whose text matches it (stemmed), for BM25 scoring by the caller:
// the document frequency always; ids and text lengths only for words in at
// most $max_df facts.
UNWIND $terms AS term
CALL db.idx.fulltext.queryRelationships('FACT', term)
YIELD relationship
WITH term, relationship AS f
WHERE f.tenant = $tenant AND f.space = $space
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
  AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
WITH term, collect(f.id) AS ids, collect(size(f.text)) AS lengths
RETURN term, size(ids) AS df,
  CASE WHEN size(ids) <= $max_df THEN ids ELSE [] END AS ids,
  CASE WHEN size(ids) <= $max_df THEN lengths ELSE [] END AS lengths

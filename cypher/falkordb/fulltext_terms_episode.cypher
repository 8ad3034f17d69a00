// For each query word, the space's episodes (known at $known_at) whose content
// matches it (stemmed), for BM25 scoring by the caller: the document frequency
// always; ids and content lengths only for words in at most $max_df episodes.
// One word per index call, because the engine's own multi-word score ignores
// how rare each word is.
UNWIND $terms AS term
CALL db.idx.fulltext.queryNodes('Episode', term)
YIELD node
WITH term, node AS e
WHERE e.tenant = $tenant AND e.space = $space AND e.recorded_at <= $known_at
  AND ($agent_id IS NULL OR e.agent_id = $agent_id) AND ($run_id IS NULL OR e.run_id = $run_id) AND ($app_id IS NULL OR e.app_id = $app_id)
WITH term, collect(e.id) AS ids, collect(size(e.content)) AS lengths
RETURN term, size(ids) AS df,
  CASE WHEN size(ids) <= $max_df THEN ids ELSE [] END AS ids,
  CASE WHEN size(ids) <= $max_df THEN lengths ELSE [] END AS lengths

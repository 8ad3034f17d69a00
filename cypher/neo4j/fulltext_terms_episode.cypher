// For each query word, the space's episodes (known at $known_at) whose content
// matches it, for BM25 scoring by the caller: the document frequency always;
// ids and content lengths only for words in at most $max_df episodes.
UNWIND $terms AS term
CALL db.index.fulltext.queryNodes('episode_text', term, {limit: $candidates})
YIELD node
WITH term, node AS e
WHERE e.tenant = $tenant AND e.space = $space AND e.recorded_at <= $known_at
WITH term, collect(e.id) AS ids, collect(size(e.content)) AS lengths
RETURN term, size(ids) AS df,
  CASE WHEN size(ids) <= $max_df THEN ids ELSE [] END AS ids,
  CASE WHEN size(ids) <= $max_df THEN lengths ELSE [] END AS lengths

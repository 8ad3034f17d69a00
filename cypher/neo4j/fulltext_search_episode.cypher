// Lucene over episode content; $query is built by the adapter from plain words.
CALL db.index.fulltext.queryNodes('episode_text', $query, {limit: $candidates})
YIELD node, score
WITH node AS e, score
WHERE e.tenant = $tenant AND e.space = $space AND e.recorded_at <= $known_at
RETURN e.id AS id, score
ORDER BY score DESC
LIMIT $k

// RediSearch over episode content; $query is built by the adapter from plain
// words and names this tenant's and space's tokens (the WHERE keeps exact matches).
CALL db.idx.fulltext.queryNodes('Episode', $query)
YIELD node, score
WITH node AS e, score
WHERE e.tenant = $tenant AND e.space = $space AND e.recorded_at <= $known_at
RETURN e.id AS id, score
ORDER BY score DESC
LIMIT $k

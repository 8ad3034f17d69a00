// Lucene over fact text; $query is built by the adapter from plain words.
CALL db.index.fulltext.queryRelationships('fact_text', $query, {limit: $candidates})
YIELD relationship, score
WITH relationship AS f, score
WHERE f.tenant = $tenant AND f.space = $space
RETURN f.id AS id, score
ORDER BY score DESC
LIMIT $k

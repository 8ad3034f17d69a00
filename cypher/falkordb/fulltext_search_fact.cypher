// RediSearch over fact text; $query is built by the adapter from plain words.
CALL db.idx.fulltext.queryRelationships('FACT', $query)
YIELD relationship, score
WITH relationship AS f, score
WHERE f.tenant = $tenant AND f.space = $space
RETURN f.id AS id, score
ORDER BY score DESC
LIMIT $k

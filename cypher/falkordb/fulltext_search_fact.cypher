// RediSearch over fact text; $query is built by the adapter from plain words
// and names this tenant's and space's tokens (the WHERE keeps exact matches).
CALL db.idx.fulltext.queryRelationships('FACT', $query)
YIELD relationship, score
WITH relationship AS f, score
WHERE f.tenant = $tenant AND f.space = $space
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
  AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
RETURN f.id AS id, score
ORDER BY score DESC, id
LIMIT $k

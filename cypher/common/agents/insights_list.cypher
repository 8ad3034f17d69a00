// A page of a space's insights, newest first, filtered by agent, kind, status
// and created_at >= $since (each null: any); keyset pagination on the
// time-ordered id ($after: last id of the previous page, '' for the first).
MATCH (i:Insight {tenant: $tenant, space: $space})
// `id + ''`: FalkorDB 4.16 ignores the upper bound of an index range scan
// on a string (`id < $after` matched every id); an expression is not indexed.
WHERE ($after = '' OR (i.id + '') < $after)
  AND ($agent IS NULL OR i.agent = $agent)
  AND ($kind IS NULL OR i.kind = $kind)
  AND ($status IS NULL OR i.status = $status)
  AND ($since IS NULL OR i.created_at >= $since)
WITH i
ORDER BY i.id DESC
LIMIT $limit
OPTIONAL MATCH (i)-[:ABOUT]->(e:Entity)
WITH i, collect({id: e.id, name: e.name}) AS entities
RETURN {
  id: i.id, space: i.space, agent: i.agent, kind: i.kind, title: i.title, body: i.body,
  score: i.score, status: i.status, fingerprint: i.fingerprint, fact_ids: i.fact_ids,
  episode_ids: i.episode_ids, data: i.data, run_id: i.run_id, created_at: i.created_at,
  entities: entities
} AS insight

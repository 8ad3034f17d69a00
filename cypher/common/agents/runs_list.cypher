// A page of a space's runs, newest first; keyset pagination on the
// time-ordered id ($after: the last id of the previous page, '' for the first).
MATCH (r:AgentRun {tenant: $tenant, space: $space})
// `id + ''`: FalkorDB 4.16 ignores the upper bound of an index range scan
// on a string (`id < $after` matched every id); an expression is not indexed.
WHERE ($after = '' OR (r.id + '') < $after) AND ($agent IS NULL OR r.agent = $agent)
WITH r
ORDER BY r.id DESC
LIMIT $limit
RETURN {
  id: r.id, space: r.space, agent: r.agent, trigger: r.trigger, auto_fix: r.auto_fix,
  started_at: r.started_at, finished_at: r.finished_at, status: r.status, stats: r.stats,
  error: r.error
} AS run

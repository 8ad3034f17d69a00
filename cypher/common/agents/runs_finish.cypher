// End a running run: succeeded or failed, with its stats (JSON text) and, when
// it failed, a safe error text. A run that is no longer running is left alone.
// The error is set only when given (FalkorDB issue #1787: no mixed null SET).
MATCH (r:AgentRun {tenant: $tenant, space: $space, id: $id})
WHERE r.status = 'running'
SET r.status = $status, r.finished_at = $finished_at, r.stats = $stats
FOREACH (x IN CASE WHEN $error IS NULL THEN [] ELSE [1] END | SET r.error = $error)
RETURN {
  id: r.id, space: r.space, agent: r.agent, trigger: r.trigger, auto_fix: r.auto_fix,
  started_at: r.started_at, finished_at: r.finished_at, status: r.status, stats: r.stats,
  error: r.error
} AS run

// Record a run of an agent over a space as running (one node per run).
CREATE (r:AgentRun {id: $id, tenant: $tenant, space: $space, agent: $agent,
  trigger: $trigger, auto_fix: $auto_fix, started_at: $started_at, status: 'running',
  stats: '{}'})
RETURN {
  id: r.id, space: r.space, agent: r.agent, trigger: r.trigger, auto_fix: r.auto_fix,
  started_at: r.started_at, finished_at: r.finished_at, status: r.status, stats: r.stats,
  error: r.error
} AS run

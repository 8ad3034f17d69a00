// One run by id in a space.
MATCH (r:AgentRun {tenant: $tenant, space: $space, id: $id})
RETURN {
  id: r.id, space: r.space, agent: r.agent, trigger: r.trigger, auto_fix: r.auto_fix,
  started_at: r.started_at, finished_at: r.finished_at, status: r.status, stats: r.stats,
  error: r.error
} AS run

// For the scheduler, across tenants: per space, when the last succeeded (or
// since undone) run of $agent started.
MATCH (r:AgentRun {agent: $agent})
WHERE r.status IN ['succeeded', 'undone']
RETURN r.tenant AS tenant, r.space AS space, max(r.started_at) AS started_at

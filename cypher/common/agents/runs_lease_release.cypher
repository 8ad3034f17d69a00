// Give back the lease $holder took (one another holder took over after it
// expired is left alone). REMOVE, not SET to null: FalkorDB issue #1787.
MATCH (l:AgentLease {tenant: $tenant, space: $space, agent: $agent})
WHERE l.holder = $holder
REMOVE l.holder, l.expires_at
RETURN count(l) AS released

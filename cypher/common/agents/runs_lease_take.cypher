// Take (or renew) the lease of (tenant, space, agent) for $holder until $until.
// Free when nobody holds it, $holder does, or the holder's lease ran out at
// expires_at (a run that died). SET touched_at first: on Neo4j it takes the
// node's write lock before the holder is read, so two transactions cannot both
// see it free (the uniqueness constraint makes the MERGE itself safe); FalkorDB
// runs one write query at a time on a graph.
MERGE (l:AgentLease {tenant: $tenant, space: $space, agent: $agent})
SET l.touched_at = $now
WITH l, (l.holder IS NULL OR l.holder = $holder OR l.expires_at <= $now) AS free
FOREACH (x IN CASE WHEN free THEN [1] ELSE [] END |
  SET l.holder = $holder, l.expires_at = $until)
RETURN free, l.holder AS holder

// Take the leases of chains (subject key, predicate) for $holder, all or none.
// FalkorDB runs one write query at a time on a graph, so the check and the SET
// below cannot interleave with another process's. A lease ends when its holder
// releases it or at expires_at (a holder that died), whichever comes first.
UNWIND $chains AS chain
MERGE (l:ChainLock {tenant: $tenant, space: $space, subject_key: chain.subject_key,
  predicate: chain.predicate})
WITH collect(l) AS locks
WITH locks, all(l IN locks WHERE l.holder IS NULL OR l.holder = $holder
  OR l.expires_at <= $now) AS free
FOREACH (l IN CASE WHEN free THEN locks ELSE [] END |
  SET l.holder = $holder, l.expires_at = $until)
RETURN free

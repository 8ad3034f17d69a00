// Give back the leases $holder took with lease_chains (an expired one that
// another holder took since is left alone).
UNWIND $chains AS chain
MATCH (l:ChainLock {tenant: $tenant, space: $space, subject_key: chain.subject_key,
  predicate: chain.predicate})
WHERE l.holder = $holder
SET l.holder = NULL, l.expires_at = NULL
RETURN count(l) AS released

// Give back the leases $holder took with lease_chains (an expired one that
// another holder took since is left alone). REMOVE, not SET to null: see
// common/apply_versions (FalkorDB issue #1787).
UNWIND $chains AS chain
MATCH (l:ChainLock {tenant: $tenant, space: $space, subject_key: chain.subject_key,
  predicate: chain.predicate})
WHERE l.holder = $holder
REMOVE l.holder, l.expires_at
RETURN count(l) AS released

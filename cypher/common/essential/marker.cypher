// What changes whenever the space's facts change: a new fact (count, latest
// recorded_at), a restatement (statements), a supersession or invalidation
// (latest expired_at, valid_to), a delete (count). Essential memory keeps its
// cached answer while this stays the same.
MATCH ()-[f:FACT {tenant: $tenant, space: $space}]->()
RETURN count(f) AS facts, max(f.recorded_at) AS recorded, max(f.expired_at) AS expired,
  max(f.valid_to) AS ended, sum(size(coalesce(f.episode_ids, []))) AS statements

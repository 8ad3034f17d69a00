// The episodes said next to each seed episode, for the episode neighbourhood:
// the seed's space ordered by (occurred_at, id) (ids sort by creation), within
// $window of the seed (one session), $radius turns on each side, the seed
// included. One short list per seed keeps the answer small.
// $window is a duration in the engine's terms.
UNWIND $seeds AS seed
MATCH (s:Episode {tenant: $tenant, space: $space, id: seed})
// Bind the bounds first so the engine can range-scan occurred_at per seed.
WITH seed, s.occurred_at - $window AS low, s.occurred_at + $window AS high
MATCH (n:Episode)
WHERE n.occurred_at >= low AND n.occurred_at <= high
  AND n.tenant = $tenant AND n.space = $space AND n.recorded_at <= $known_at
  AND ($agent_id IS NULL OR n.agent_id = $agent_id) AND ($run_id IS NULL OR n.run_id = $run_id) AND ($app_id IS NULL OR n.app_id = $app_id)
WITH seed, n
ORDER BY n.occurred_at, n.id
WITH seed, collect(n.id) AS timeline
WITH seed, timeline, [i IN range(0, size(timeline) - 1) WHERE timeline[i] = seed][0] AS at
RETURN seed,
  timeline[CASE WHEN at < $radius THEN 0 ELSE at - $radius END..at + $radius + 1] AS ids

// Episodes that mention seed entities (spoken by them or naming them), known
// at $known_at, for the graph channel, with how many episodes mention each
// seed. A seed mentioned by more than $max_mentions episodes (a speaker) only
// reranks: of its episodes only those among $candidates come back.
UNWIND $seeds AS seed
MATCH (n:Entity {tenant: $tenant, space: $space, id: seed})
WITH seed, n, size([(x:Episode)-[:MENTIONS]->(n) | x]) AS mentions
MATCH (e:Episode)-[:MENTIONS]->(n)
WHERE e.tenant = $tenant AND e.space = $space AND e.recorded_at <= $known_at
  AND ($agent_id IS NULL OR e.agent_id = $agent_id) AND ($run_id IS NULL OR e.run_id = $run_id) AND ($app_id IS NULL OR e.app_id = $app_id)
  AND (mentions <= $max_mentions OR e.id IN $candidates)
RETURN seed, e.id AS id, mentions

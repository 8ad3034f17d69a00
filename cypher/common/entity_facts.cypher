// Facts of seed entities (hop 1) and of their neighbours (hop 2), in either
// direction, valid at $as_of and known at $known_at, for the graph channel.
// Only entities with at most $max_degree facts are expanded, so a hub such as
// a speaker, who takes part in most facts, does not pull in the whole space.
// The scope is checked on the entity at the far end, not on the fact (a fact
// lies in its ends' space): FalkorDB 4.16 answers `f.tenant = $tenant` on an
// undirected pattern from its FACT range index and then keeps only facts that
// leave the known node, so a seed's incoming facts were lost there.
UNWIND $seeds AS seed
MATCH (n:Entity {tenant: $tenant, space: $space, id: seed})
WITH seed, n, size([(n)-[g:FACT]-() | g]) AS degree
WHERE degree <= $max_degree
MATCH (n)-[f:FACT]-(m:Entity)
WHERE m.tenant = $tenant AND m.space = $space
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
  AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
WITH seed, n, f, m, size([(m)-[g:FACT]-() | g]) AS m_degree
OPTIONAL MATCH (m)-[f2:FACT]-(x:Entity)
WHERE m_degree <= $max_degree AND x <> n AND x.tenant = $tenant AND x.space = $space
  AND (f2.valid_from IS NULL OR f2.valid_from <= $as_of)
  AND (f2.valid_to IS NULL OR $as_of < f2.valid_to)
  AND f2.recorded_at <= $known_at AND (f2.expired_at IS NULL OR $known_at < f2.expired_at)
  AND ($agent_id IS NULL OR f2.agent_id = $agent_id) AND ($run_id IS NULL OR f2.run_id = $run_id) AND ($app_id IS NULL OR f2.app_id = $app_id)
RETURN seed, f.id AS id, collect(f2.id) AS second

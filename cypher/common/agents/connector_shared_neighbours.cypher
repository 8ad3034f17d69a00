// Pairs of entities with at least $min_shared common neighbours over current
// facts, for suggested links (agents/connector/links.py). Only neighbours
// with 2..$max_degree distinct neighbours are middles: a hub (a speaker
// connected to most of the space) would make every pair of its neighbours a
// candidate, d^2 rows for degree d, and says little about any of them. Each
// middle comes with its degree, for the Adamic-Adar weight 1 / ln(degree).
MATCH (z:Entity {tenant: $tenant, space: $space})-[f:FACT]-(n:Entity)
WHERE f.expired_at IS NULL AND n.tenant = $tenant AND n.space = $space AND n <> z
WITH z, collect(DISTINCT n.id) AS ns
WHERE size(ns) >= 2 AND size(ns) <= $max_degree
UNWIND ns AS a
UNWIND ns AS b
WITH z, size(ns) AS degree, a, b
WHERE a < b
WITH a, b, collect(z.id) AS via, collect(degree) AS degrees,
  sum(1.0 / log(degree)) AS score
WHERE size(via) >= $min_shared
// At most $max_candidates pairs, strongest first, bound what comes back.
WITH a, b, via, degrees, score
ORDER BY score DESC, a, b
LIMIT $max_candidates
MATCH (x:Entity {tenant: $tenant, space: $space, id: a})
MATCH (y:Entity {tenant: $tenant, space: $space, id: b})
RETURN a, x.key AS a_key, x.name AS a_name, b, y.key AS b_key, y.name AS b_name,
  via, degrees

// Pairs of entities mentioned together by at least $min_shared episodes, for
// suggested links (agents/connector/links.py). Hubs ($hubs: a speaker is
// mentioned by every turn they speak) are left out, and only episodes
// mentioning 2..$max_degree other entities count (a list read out mentions
// everything). Each episode comes with how many entities it mentions, for
// the Adamic-Adar weight 1 / ln(mentions).
MATCH (e:Episode {tenant: $tenant, space: $space})-[:MENTIONS]->(n:Entity)
WHERE n.tenant = $tenant AND n.space = $space AND NOT n.id IN $hubs
WITH e, collect(DISTINCT n.id) AS ns
WHERE size(ns) >= 2 AND size(ns) <= $max_degree
UNWIND ns AS a
UNWIND ns AS b
WITH e, size(ns) AS degree, a, b
WHERE a < b
WITH a, b, collect(e.id) AS via, collect(degree) AS degrees,
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

// The facts a space may read from the teams it belongs to: around each entity
// another member space shares with such a team, the facts of that space to the
// share's depth (1 or 2). Never a private fact, one whose predicate is in
// $private_predicates, or one drawn only from private episodes; depth 2 goes
// on only through facts that are shared themselves. A space that leaves a
// team loses its shares (teams_leave), so every sharer here is a member.
// Facts are reached through a path variable: FalkorDB 4.16 drops the incoming
// relationships of an undirected pattern whose relationship is filtered.
MATCH (:Space {tenant: $tenant, id: $space})-[:MEMBER_OF]->(t:Team {tenant: $tenant})
MATCH (t)-[sh:SHARES]->(e:Entity {tenant: $tenant})
WHERE sh.space <> $space AND e.space = sh.space
MATCH p = (e)-[:FACT]-(x:Entity)
WITH t, sh, x, relationships(p)[0] AS f1
WHERE f1.tenant = $tenant AND f1.space = sh.space
  AND coalesce(f1.private, false) = false AND NOT f1.predicate IN $private_predicates
OPTIONAL MATCH (p1:Episode {tenant: $tenant, private: true})
WHERE p1.id IN coalesce(f1.episode_ids, []) AND p1.space = sh.space
WITH t, sh, f1, x, count(p1) AS hidden1
WHERE size(coalesce(f1.episode_ids, [])) = 0 OR hidden1 < size(f1.episode_ids)
OPTIONAL MATCH q = (x)-[:FACT]-(:Entity)
WHERE sh.depth >= 2
WITH t, sh, f1, relationships(q)[0] AS r2
WITH t, sh, f1,
  CASE WHEN r2.tenant = $tenant AND r2.space = sh.space
    AND coalesce(r2.private, false) = false AND NOT r2.predicate IN $private_predicates
    THEN r2 ELSE null END AS f2
OPTIONAL MATCH (p2:Episode {tenant: $tenant, private: true})
WHERE p2.id IN coalesce(f2.episode_ids, []) AND p2.space = sh.space
WITH t, sh, f1, f2, count(p2) AS hidden2
WITH t, sh, f1,
  CASE WHEN f2 IS NOT NULL AND (size(coalesce(f2.episode_ids, [])) = 0 OR hidden2 < size(f2.episode_ids))
    THEN f2.id ELSE null END AS second
WITH t, sh, collect(DISTINCT f1.id) + collect(DISTINCT second) AS ids
UNWIND ids AS id
RETURN DISTINCT id, sh.space AS space, t.id AS team
ORDER BY id, team

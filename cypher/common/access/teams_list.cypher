// The tenant's teams with their member spaces (space, since), in id order;
// with $spaces set (a member key), only teams one of those spaces belongs to.
MATCH (t:Team {tenant: $tenant})
OPTIONAL MATCH (s:Space {tenant: $tenant})-[m:MEMBER_OF]->(t)
WITH t, s, m
ORDER BY s.id
WITH t, collect(CASE WHEN s IS NULL THEN null ELSE {space: s.id, since: m.since} END) AS members
WHERE $spaces IS NULL OR any(x IN members WHERE x.space IN $spaces)
RETURN t.id AS id, t.name AS name, t.created_at AS created_at, members
ORDER BY t.id

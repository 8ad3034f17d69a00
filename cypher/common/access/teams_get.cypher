// One team of the tenant with its members (space, since).
MATCH (t:Team {tenant: $tenant, id: $id})
OPTIONAL MATCH (s:Space {tenant: $tenant})-[m:MEMBER_OF]->(t)
WITH t, s, m
ORDER BY s.id
WITH t, collect(CASE WHEN s IS NULL THEN null ELSE {space: s.id, since: m.since} END) AS members
RETURN t.id AS id, t.name AS name, t.created_at AS created_at, members

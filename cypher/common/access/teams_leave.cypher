// A space leaves a team of the tenant; the entities it shared with the team
// stop being shared at once. Returns whether it was a member.
MATCH (t:Team {tenant: $tenant, id: $id})
OPTIONAL MATCH (t)-[sh:SHARES {space: $space}]->(:Entity)
DELETE sh
WITH DISTINCT t
OPTIONAL MATCH (s:Space {tenant: $tenant, id: $space})-[m:MEMBER_OF]->(t)
WITH t, collect(m) AS ms
FOREACH (m IN ms | DELETE m)
RETURN size(ms) AS left

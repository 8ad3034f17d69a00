// Add a space to a team of the tenant (safe to repeat); no row when the team
// does not exist.
MATCH (t:Team {tenant: $tenant, id: $id})
MERGE (s:Space {tenant: $tenant, id: $space})
MERGE (s)-[m:MEMBER_OF]->(t)
  ON CREATE SET m.since = $now
RETURN t.id AS id, m.since AS since

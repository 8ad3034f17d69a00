// Create a team in a tenant; with $space set, that space joins it at once.
CREATE (t:Team {tenant: $tenant, id: $id, name: $name, created_at: $now})
WITH t
FOREACH (_ IN CASE WHEN $space IS NULL THEN [] ELSE [1] END |
  MERGE (s:Space {tenant: $tenant, id: $space})
  MERGE (s)-[m:MEMBER_OF]->(t)
    ON CREATE SET m.since = $now)
RETURN t.id AS id

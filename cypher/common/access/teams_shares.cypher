// The shares of one team of the tenant, oldest first, with their entities.
MATCH (t:Team {tenant: $tenant, id: $id})-[sh:SHARES]->(e:Entity {tenant: $tenant})
RETURN sh.id AS id, sh.space AS space, sh.since AS since, sh.by AS by, sh.depth AS depth,
  e.id AS entity_id, e.name AS entity_name
ORDER BY sh.since, sh.id

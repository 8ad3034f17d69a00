// Share an entity of a member space with a team of the tenant (an existing
// share of the same entity by the same space takes the new depth). No row
// when the team, the membership or the entity is missing.
MATCH (s:Space {tenant: $tenant, id: $space})-[:MEMBER_OF]->(t:Team {tenant: $tenant, id: $team})
MATCH (e:Entity {tenant: $tenant, space: $space, id: $entity})
MERGE (t)-[sh:SHARES {space: $space}]->(e)
  ON CREATE SET sh.id = $id, sh.since = $now, sh.by = $by
SET sh.depth = $depth
RETURN sh.id AS id, sh.space AS space, sh.since AS since, sh.by AS by, sh.depth AS depth,
  e.id AS entity_id, e.name AS entity_name

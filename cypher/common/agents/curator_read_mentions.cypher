// Curator, change log: MENTIONS of the given entities, and the mentions named
// by $pairs ({episode_id, entity_id}) that exist, with their properties (one
// may come twice; the caller keeps one).
UNWIND $ids AS id
MATCH (e:Episode)-[m:MENTIONS]->(n:Entity {tenant: $tenant, space: $space, id: id})
WHERE e.tenant = $tenant AND e.space = $space
RETURN properties(m) AS props, e.id AS episode_id, n.id AS entity_id
UNION ALL
UNWIND $pairs AS pair
MATCH (e:Episode {tenant: $tenant, space: $space, id: pair.episode_id})
  -[m:MENTIONS]->(n:Entity {tenant: $tenant, space: $space, id: pair.entity_id})
RETURN properties(m) AS props, e.id AS episode_id, n.id AS entity_id

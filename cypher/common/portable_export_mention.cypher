// Export: one page of a space's MENTIONS, in (episode id, entity id) order
// (keyset on both).
MATCH (e:Episode {tenant: $tenant, space: $space})-[m:MENTIONS]->(n:Entity)
WHERE n.tenant = $tenant AND n.space = $space
  AND (e.id > $after_episode OR (e.id = $after_episode AND n.id > $after_entity))
WITH e, m, n
ORDER BY e.id, n.id
LIMIT $limit
RETURN properties(m) AS props, e.id AS episode_id, n.id AS entity_id

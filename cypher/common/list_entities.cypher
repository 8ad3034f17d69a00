// One page of a space's entities in id (creation) order; keyset pagination on id.
MATCH (n:Entity {tenant: $tenant, space: $space})
WHERE n.id > $after
WITH n
ORDER BY n.id
LIMIT $limit
RETURN {
  id: n.id, space: n.space, name: n.name, key: n.key, type: n.type, aliases: n.aliases,
  summary: n.summary, created_at: n.created_at, updated_at: n.updated_at
} AS entity

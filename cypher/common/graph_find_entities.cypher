// One page of a space's entities matching a filter; keyset pagination on id.
MATCH (n:Entity {tenant: $tenant, space: $space})
WHERE n.id > $after AND ($type IS NULL OR n.type = $type)
  AND ($name_contains IS NULL OR toLower(n.name) CONTAINS $name_contains)
WITH n
ORDER BY n.id
LIMIT $limit
RETURN {
  id: n.id, space: n.space, name: n.name, key: n.key, type: n.type, aliases: n.aliases,
  summary: n.summary, created_at: n.created_at, updated_at: n.updated_at
} AS entity

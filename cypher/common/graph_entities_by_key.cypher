// Entities by normalised name (key) within one scope.
UNWIND $keys AS key
MATCH (n:Entity {tenant: $tenant, space: $space, key: key})
RETURN {
  id: n.id, space: n.space, name: n.name, key: n.key, type: n.type, aliases: n.aliases,
  summary: n.summary, created_at: n.created_at, updated_at: n.updated_at
} AS entity

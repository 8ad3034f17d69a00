// Entities by id within one scope (GraphQL DataLoader batches).
UNWIND $ids AS id
MATCH (n:Entity {tenant: $tenant, space: $space, id: id})
RETURN {
  id: n.id, space: n.space, name: n.name, key: n.key, type: n.type, aliases: n.aliases,
  summary: n.summary, created_at: n.created_at, updated_at: n.updated_at
} AS entity

// Import: which of these entity ids the tenant already uses, in any space.
UNWIND $ids AS id
MATCH (n:Entity {tenant: $tenant, id: id})
RETURN DISTINCT n.id AS id

// Import: which of these episode ids the tenant already uses, in any space.
UNWIND $ids AS id
MATCH (e:Episode {tenant: $tenant, id: id})
RETURN DISTINCT e.id AS id

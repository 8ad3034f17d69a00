// Spaces of a tenant that hold episodes or entities (facts need entities).
MATCH (e:Episode {tenant: $tenant})
RETURN DISTINCT e.space AS space
UNION
MATCH (n:Entity {tenant: $tenant})
RETURN DISTINCT n.space AS space

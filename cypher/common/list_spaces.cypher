// Spaces of a tenant that hold episodes.
MATCH (e:Episode {tenant: $tenant})
RETURN DISTINCT e.space AS space
ORDER BY space

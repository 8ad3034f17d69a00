// Export: one page of a space's entities with every stored property, in id
// order (keyset on id).
MATCH (n:Entity {tenant: $tenant, space: $space})
WHERE n.id > $after
WITH n
ORDER BY n.id
LIMIT $limit
RETURN properties(n) AS props

// Export: one page of a space's episodes with every stored property, in id
// order (keyset on id).
MATCH (e:Episode {tenant: $tenant, space: $space})
WHERE e.id > $after
WITH e
ORDER BY e.id
LIMIT $limit
RETURN properties(e) AS props

// Entities of one scope named in a query: their key is one of $keys (the
// query's word n-grams, normalised like entity keys). An alias always shares
// its entity's key (entity resolution merges on the key), so keys suffice.
MATCH (n:Entity {tenant: $tenant, space: $space})
WHERE n.key IN $keys
RETURN n.id AS id, n.key AS key

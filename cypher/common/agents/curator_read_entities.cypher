// Curator, change log: entities by id with every stored property and the
// insights about them (restored with an entity the curator re-creates).
UNWIND $ids AS id
MATCH (n:Entity {tenant: $tenant, space: $space, id: id})
OPTIONAL MATCH (i:Insight)-[:ABOUT]->(n)
WHERE i.tenant = $tenant AND i.space = $space
WITH n, collect(i.id) AS about
RETURN properties(n) AS props, about

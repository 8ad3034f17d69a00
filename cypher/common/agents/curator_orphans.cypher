// Curator, orphans: entities with no fact (any version, either direction)
// and no mention. Insight ABOUT edges do not count: an insight is about the
// graph, not part of it.
MATCH (n:Entity {tenant: $tenant, space: $space})
OPTIONAL MATCH (n)-[f:FACT]-()
WITH n, count(f) AS facts
WHERE facts = 0
OPTIONAL MATCH (e:Episode)-[m:MENTIONS]->(n)
WITH n, count(m) AS mentions
WHERE mentions = 0
RETURN n.id AS id, n.name AS name
ORDER BY id

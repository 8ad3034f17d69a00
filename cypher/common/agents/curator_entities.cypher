// Curator, duplicates: every entity of a space with its current-fact and
// mention counts (and its vector when $embeddings), in id order. Facts are
// counted on directed patterns with the scope checked on the far entity
// (FalkorDB 4.16 loses incoming edges on an undirected scoped pattern, see
// entity_facts.cypher).
MATCH (n:Entity {tenant: $tenant, space: $space})
OPTIONAL MATCH (n)-[out:FACT]->(o:Entity)
WHERE out.expired_at IS NULL AND o.tenant = $tenant AND o.space = $space
WITH n, count(out) AS outgoing
OPTIONAL MATCH (s:Entity)-[inc:FACT]->(n)
WHERE inc.expired_at IS NULL AND s.tenant = $tenant AND s.space = $space
WITH n, outgoing, count(inc) AS incoming
OPTIONAL MATCH (e:Episode)-[:MENTIONS]->(n)
WHERE e.tenant = $tenant AND e.space = $space
WITH n, outgoing, incoming, count(e) AS mentions
ORDER BY n.id
RETURN n.id AS id, n.name AS name, n.key AS key, n.type AS type,
  coalesce(n.aliases, []) AS aliases, outgoing + incoming AS facts, mentions,
  CASE WHEN $embeddings THEN n.embedding ELSE null END AS embedding

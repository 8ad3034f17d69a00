// Nodes with an id, and facts that carry it as id, version_of or source episode.
OPTIONAL MATCH (n)
WHERE n.tenant = $tenant AND n.space = $space AND n.id = $id
WITH count(n) AS nodes
OPTIONAL MATCH ()-[f:FACT]->()
WHERE f.tenant = $tenant AND f.space = $space
  AND (f.id = $id OR f.version_of = $id OR $id IN f.episode_ids)
RETURN nodes, count(f) AS relationships

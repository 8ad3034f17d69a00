// Every node of a scope and every relationship touching one.
OPTIONAL MATCH (n)
WHERE n.tenant = $tenant AND n.space = $space
OPTIONAL MATCH (n)-[r]-()
RETURN count(DISTINCT n) AS nodes, count(DISTINCT r) AS relationships

// Hard-delete every node of a scope and every relationship touching one.
OPTIONAL MATCH (n)
WHERE n.tenant = $tenant AND n.space = $space
DETACH DELETE n
RETURN count(n) AS nodes

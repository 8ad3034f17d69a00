// How many of a space's entities match a filter (a connection's totalCount).
MATCH (n:Entity {tenant: $tenant, space: $space})
WHERE ($type IS NULL OR n.type = $type)
  AND ($name_contains IS NULL OR toLower(n.name) CONTAINS $name_contains)
RETURN count(n) AS total

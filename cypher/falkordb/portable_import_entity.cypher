// Import: create entities in the space with the exported properties and
// vector. FalkorDB stores vectors with vecf32().
UNWIND $rows AS row
CREATE (n:Entity)
SET n = row.props
SET n.tenant = $tenant, n.space = $space
FOREACH (_ IN CASE WHEN row.embedding IS NULL THEN [] ELSE [1] END |
  SET n.embedding = vecf32(row.embedding))
RETURN collect(row.line) AS lines

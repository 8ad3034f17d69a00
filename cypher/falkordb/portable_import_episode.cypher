// Import: create episodes in the space with the exported properties and
// vector. FalkorDB stores vectors with vecf32().
UNWIND $rows AS row
CREATE (e:Episode)
SET e = row.props
SET e.tenant = $tenant, e.space = $space
FOREACH (_ IN CASE WHEN row.embedding IS NULL THEN [] ELSE [1] END |
  SET e.embedding = vecf32(row.embedding))
RETURN collect(row.line) AS lines

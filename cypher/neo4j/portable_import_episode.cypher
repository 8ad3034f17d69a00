// Import: create episodes in the space with the exported properties and
// vector. Neo4j stores vectors as LIST<FLOAT>.
UNWIND $rows AS row
CREATE (e:Episode)
SET e = row.props
SET e.tenant = $tenant, e.space = $space
FOREACH (_ IN CASE WHEN row.embedding IS NULL THEN [] ELSE [1] END |
  SET e.embedding = row.embedding)
RETURN collect(row.line) AS lines

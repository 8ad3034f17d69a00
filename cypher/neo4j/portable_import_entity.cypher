// Import: create entities in the space with the exported properties and
// vector. Neo4j stores vectors as LIST<FLOAT>.
UNWIND $rows AS row
CREATE (n:Entity)
SET n = row.props
SET n.tenant = $tenant, n.space = $space
FOREACH (_ IN CASE WHEN row.embedding IS NULL THEN [] ELSE [1] END |
  SET n.embedding = row.embedding)
RETURN collect(row.line) AS lines

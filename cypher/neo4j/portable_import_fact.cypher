// Import: create fact versions between entities of the space (by id) with the
// exported properties and vector; a row whose ends are missing writes nothing
// and its line is not returned. Neo4j stores vectors as LIST<FLOAT>.
UNWIND $rows AS row
MATCH (s:Entity {tenant: $tenant, space: $space, id: row.subject_id})
MATCH (o:Entity {tenant: $tenant, space: $space, id: row.object_id})
CREATE (s)-[f:FACT]->(o)
SET f = row.props
SET f.tenant = $tenant, f.space = $space
FOREACH (_ IN CASE WHEN row.embedding IS NULL THEN [] ELSE [1] END |
  SET f.embedding = row.embedding)
RETURN collect(row.line) AS lines

// Import: MENTIONS between episodes and entities of the space, by id; a row
// whose ends are missing writes nothing and its line is not returned.
UNWIND $rows AS row
MATCH (e:Episode {tenant: $tenant, space: $space, id: row.episode_id})
MATCH (n:Entity {tenant: $tenant, space: $space, id: row.entity_id})
MERGE (e)-[m:MENTIONS]->(n)
SET m += row.props
RETURN collect(row.line) AS lines

// Link insights to the entities they are about (entities of the same space only).
UNWIND $links AS link
MATCH (i:Insight {tenant: $tenant, space: $space, id: link.id})
UNWIND link.entity_ids AS entity_id
MATCH (e:Entity {tenant: $tenant, space: $space, id: entity_id})
MERGE (i)-[:ABOUT {tenant: $tenant, space: $space}]->(e)
RETURN count(*) AS linked

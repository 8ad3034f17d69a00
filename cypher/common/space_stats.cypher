// Counts of episodes, entities and facts (live versions) in one space.
OPTIONAL MATCH (e:Episode {tenant: $tenant, space: $space})
WITH count(e) AS episodes
OPTIONAL MATCH (n:Entity {tenant: $tenant, space: $space})
WITH episodes, count(n) AS entities
OPTIONAL MATCH ()-[f:FACT {tenant: $tenant, space: $space, latest: true}]->()
RETURN episodes, entities, count(f) AS facts

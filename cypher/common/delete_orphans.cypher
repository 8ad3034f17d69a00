// Entities with no relationship left and jobs with no episode left are orphans.
OPTIONAL MATCH (n:Entity {tenant: $tenant, space: $space})
OPTIONAL MATCH (n)-[r]-()
WITH n, count(r) AS degree
WHERE n IS NOT NULL AND degree = 0
DELETE n
WITH count(n) AS entities
OPTIONAL MATCH (j:Job {tenant: $tenant, space: $space})
WHERE size(j.episode_ids) = 0
DELETE j
RETURN entities, count(j) AS jobs

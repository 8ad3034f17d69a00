// Whether a space of a tenant holds anything (an episode or an entity) or is
// listed on a key other than $id: then a member key cannot claim it.
OPTIONAL MATCH (e:Episode {tenant: $tenant, space: $space})
WITH e LIMIT 1
OPTIONAL MATCH (n:Entity {tenant: $tenant, space: $space})
WITH e, n LIMIT 1
OPTIONAL MATCH (o:ApiKey {tenant: $tenant})
WHERE o.id <> $id AND $space IN o.spaces
WITH e, n, count(o) AS holders
RETURN e IS NOT NULL OR n IS NOT NULL OR holders > 0 AS used

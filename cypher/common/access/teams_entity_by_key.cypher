// An entity of one space by its normalised name.
MATCH (e:Entity {tenant: $tenant, space: $space, key: $key})
RETURN e.id AS id

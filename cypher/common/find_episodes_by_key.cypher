// Stored episodes with the given dedup keys in one scope, with their content hash.
UNWIND $keys AS key
MATCH (e:Episode {tenant: $tenant, space: $space, dedup_key: key})
RETURN e.dedup_key AS dedup_key, e.id AS id, e.content_hash AS content_hash

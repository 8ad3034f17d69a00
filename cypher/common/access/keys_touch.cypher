// Record that a key was used (the service calls it at most once a minute per key).
MATCH (k:ApiKey {tenant: $tenant, id: $id})
SET k.last_used_at = $now
RETURN k.id AS id

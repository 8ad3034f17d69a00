// Retention: delete a space's retrieval logs beyond the newest $keep.
MATCH (r:RetrievalLog {tenant: $tenant, space: $space})
WITH r
ORDER BY r.id DESC
SKIP $keep
DELETE r
RETURN count(*) AS deleted

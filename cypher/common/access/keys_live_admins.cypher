// How many live (not revoked) admin keys a tenant has (bootstrap key check).
MATCH (k:ApiKey {tenant: $tenant, role: 'admin'})
WHERE k.revoked_at IS NULL
RETURN count(k) AS admins

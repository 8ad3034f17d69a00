// Give a live key a new secret: the old one stops working at once.
MATCH (k:ApiKey {tenant: $tenant, id: $id})
WHERE k.revoked_at IS NULL
SET k.hash = $hash, k.rotated_at = $now
RETURN {
  id: k.id, tenant: k.tenant, name: k.name, role: k.role, spaces: k.spaces,
  created_at: k.created_at, last_used_at: k.last_used_at, expires_at: k.expires_at,
  revoked_at: k.revoked_at
} AS key

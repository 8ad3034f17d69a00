// Revoke a key (safe to repeat: the first revocation instant is kept).
MATCH (k:ApiKey {tenant: $tenant, id: $id})
SET k.revoked_at = coalesce(k.revoked_at, $now)
RETURN {
  id: k.id, tenant: k.tenant, name: k.name, role: k.role, spaces: k.spaces,
  created_at: k.created_at, last_used_at: k.last_used_at, expires_at: k.expires_at,
  revoked_at: k.revoked_at
} AS key

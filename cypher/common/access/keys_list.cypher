// Every key of a tenant, newest first (never the hash).
MATCH (k:ApiKey {tenant: $tenant})
RETURN {
  id: k.id, tenant: k.tenant, name: k.name, role: k.role, spaces: k.spaces,
  created_at: k.created_at, last_used_at: k.last_used_at, expires_at: k.expires_at,
  revoked_at: k.revoked_at
} AS key
ORDER BY k.created_at DESC, k.id DESC

// Store a new API key of a tenant: only the hash of its secret is kept.
CREATE (k:ApiKey {id: $id, tenant: $tenant, name: $name, role: $role, hash: $hash,
  spaces: $spaces, created_at: $created_at, expires_at: $expires_at})
RETURN {
  id: k.id, tenant: k.tenant, name: k.name, role: k.role, spaces: k.spaces,
  created_at: k.created_at, last_used_at: k.last_used_at, expires_at: k.expires_at,
  revoked_at: k.revoked_at
} AS key

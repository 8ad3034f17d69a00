// The key whose secret hashes to $hash, in whichever tenant holds it: the
// secret is what tells the tenant (tenant-free by design; see test_cypher_scope).
MATCH (k:ApiKey {hash: $hash})
RETURN {
  id: k.id, tenant: k.tenant, name: k.name, role: k.role, spaces: k.spaces,
  created_at: k.created_at, last_used_at: k.last_used_at, expires_at: k.expires_at,
  revoked_at: k.revoked_at
} AS key
LIMIT 1

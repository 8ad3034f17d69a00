// Store an invite to a team of the tenant: only the hash of its code is kept.
// No row when the team does not exist.
MATCH (t:Team {tenant: $tenant, id: $team})
CREATE (i:Invite {
  tenant: $tenant, id: $id, team: $team, code_hash: $code_hash, created_at: $now,
  expires_at: $expires_at, uses_left: $uses_left, revoked: false
})
RETURN i.id AS id

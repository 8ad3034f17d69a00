// Revoke an invite of a team of the tenant (safe to repeat).
MATCH (i:Invite {tenant: $tenant, team: $team, id: $id})
SET i.revoked = true
RETURN i.id AS id

// Join the team an invite code (by its hash) opens, when the invite is not
// revoked, expired or used up; a use is counted when the space joins anew.
// No row when the code opens nothing.
MATCH (i:Invite {tenant: $tenant, code_hash: $code_hash})
WHERE i.revoked = false
  AND (i.expires_at IS NULL OR $now < i.expires_at)
  AND (i.uses_left IS NULL OR i.uses_left > 0)
MATCH (t:Team {tenant: $tenant, id: i.team})
MERGE (s:Space {tenant: $tenant, id: $space})
WITH i, t, s
OPTIONAL MATCH (s)-[old:MEMBER_OF]->(t)
WITH i, t, s, old IS NOT NULL AS was_member
MERGE (s)-[m:MEMBER_OF]->(t)
  ON CREATE SET m.since = $now
FOREACH (_ IN CASE WHEN was_member OR i.uses_left IS NULL THEN [] ELSE [1] END |
  SET i.uses_left = i.uses_left - 1)
RETURN t.id AS id, m.since AS since

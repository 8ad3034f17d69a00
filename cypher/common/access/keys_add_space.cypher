// Record a space a member key claimed, unless another key of the tenant
// listed it meanwhile. Returns nothing when the claim lost.
MATCH (k:ApiKey {tenant: $tenant, id: $id})
WHERE k.revoked_at IS NULL
OPTIONAL MATCH (o:ApiKey {tenant: $tenant})
WHERE o.id <> $id AND $space IN o.spaces
WITH k, count(o) AS holders
WHERE holders = 0
SET k.spaces = CASE WHEN $space IN k.spaces THEN k.spaces ELSE k.spaces + [$space] END
RETURN k.spaces AS spaces

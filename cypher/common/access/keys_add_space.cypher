// Record a space a member key claimed, unless another key of the tenant lists
// it. Two claims of one space at once: MERGE on the claim node (unique per
// tenant and space on Neo4j; FalkorDB runs writes one at a time) lets one key
// win; the other gets no row.
MATCH (k:ApiKey {tenant: $tenant, id: $id})
WHERE k.revoked_at IS NULL
OPTIONAL MATCH (o:ApiKey {tenant: $tenant})
WHERE o.id <> $id AND $space IN o.spaces
WITH k, count(o) AS holders
WHERE holders = 0
MERGE (c:SpaceClaim {tenant: $tenant, space: $space})
ON CREATE SET c.key_id = $id
WITH k, c
WHERE c.key_id = $id
SET k.spaces = CASE WHEN $space IN k.spaces THEN k.spaces ELSE k.spaces + [$space] END
RETURN k.spaces AS spaces

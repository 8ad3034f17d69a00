// End one share of a team of the tenant; with $spaces set (a member key),
// only a share made by one of those spaces. Returns the space that shared it.
MATCH (t:Team {tenant: $tenant, id: $team})-[sh:SHARES {id: $id}]->(:Entity)
WHERE $spaces IS NULL OR sh.space IN $spaces
WITH sh, sh.space AS space
DELETE sh
RETURN space

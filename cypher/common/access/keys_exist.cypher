// Whether a tenant has ever had a managed key (revoked ones count): while the
// development tenant has none, callers without a key may use it.
MATCH (k:ApiKey {tenant: $tenant})
RETURN k.id AS id
LIMIT 1

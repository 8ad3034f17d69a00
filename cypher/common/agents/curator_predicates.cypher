// Curator: the distinct predicates of a space's current facts.
MATCH (:Entity {tenant: $tenant, space: $space})-[f:FACT]->(:Entity)
WHERE f.expired_at IS NULL
RETURN DISTINCT f.predicate AS predicate
ORDER BY predicate

// For the scheduler, across tenants: per space, when it last recorded an
// episode or a fact (transaction time). Two rows per space at most.
MATCH (e:Episode)
WITH e.tenant AS tenant, e.space AS space, max(e.recorded_at) AS changed_at
RETURN tenant, space, changed_at
UNION ALL
MATCH ()-[f:FACT]->()
WITH f.tenant AS tenant, f.space AS space, max(f.recorded_at) AS changed_at
RETURN tenant, space, changed_at

// One retrieval log row of a space by id.
MATCH (r:RetrievalLog {tenant: $tenant, space: $space, id: $id})
RETURN r.id AS id, r.space AS space, r.kind AS kind, r.query AS query, r.filters AS filters,
  r.results AS results, r.latency_ms AS latency_ms, r.key_id AS key_id,
  r.created_at AS created_at

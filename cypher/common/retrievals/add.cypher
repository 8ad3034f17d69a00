// Store one retrieval log row of a space (filters and results are JSON text:
// a property cannot hold maps on either engine).
CREATE (r:RetrievalLog {tenant: $tenant, space: $space, id: $id, kind: $kind, query: $query,
  filters: $filters, results: $results, latency_ms: $latency_ms, key_id: $key_id,
  created_at: $created_at})
RETURN r.id AS id

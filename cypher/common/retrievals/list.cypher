// A space's retrieval logs, newest first; ids are time-ordered, so the page
// after $cursor holds the ids below it.
MATCH (r:RetrievalLog {tenant: $tenant, space: $space})
WHERE $cursor IS NULL OR r.id < $cursor
RETURN r.id AS id, r.space AS space, r.kind AS kind, r.query AS query, r.filters AS filters,
  r.results AS results, r.latency_ms AS latency_ms, r.key_id AS key_id,
  r.created_at AS created_at
ORDER BY r.id DESC
LIMIT $limit

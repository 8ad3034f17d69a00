// Ingest queue depth for /metrics: episodes waiting or being worked on, by
// status, across tenants (an operator's view, like claim_episodes; no tenant
// data leaves it but two counts).
MATCH (e:Episode)
WHERE e.status IN ['pending', 'processing']
RETURN e.status AS status, count(e) AS episodes

// Lease due outbox rows (any tenant of $tenants; empty: all) to $holder
// until $until. SET touched_at first: on Neo4j it takes each row's write
// lock, and the WHERE after it reads the row as the last writer left it, so
// two workers never lease one row at once; FalkorDB runs one write query at
// a time on a graph. The webhook's URL and secret come along.
MATCH (d:WebhookDelivery)
WHERE d.status = 'pending' AND d.next_attempt_at <= $now
  AND (d.lease_until IS NULL OR d.lease_until <= $now)
  AND (size($tenants) = 0 OR d.tenant IN $tenants)
WITH d
ORDER BY d.next_attempt_at, d.id
LIMIT $limit
SET d.touched_at = $now
WITH d
WHERE d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until <= $now)
MATCH (w:Webhook {tenant: d.tenant, id: d.webhook_id})
SET d.lease_until = $until, d.lease_holder = $holder
RETURN d.tenant AS tenant, d.id AS id, d.webhook_id AS webhook_id, d.event_id AS event_id,
  d.event AS event, d.payload AS payload, d.attempts AS attempts, w.url AS url,
  w.secret AS secret

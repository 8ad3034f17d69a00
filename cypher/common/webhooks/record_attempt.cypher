// Count one try on a row $holder leases: append its log line, set status
// and next try, end the lease. Nothing when the lease was retaken by another.
// The maybe-null properties are removed in a clause of their own first
// (FalkorDB 4.16 bug #1787 mixes up a SET of nulls and values).
MATCH (d:WebhookDelivery {tenant: $tenant, id: $id})
WHERE d.lease_holder = $holder
REMOVE d.lease_holder, d.next_attempt_at
WITH d
SET d.attempts = d.attempts + 1, d.log = d.log + [$entry], d.status = $status,
  d.lease_until = $now
WITH d
FOREACH (x IN CASE WHEN $next_attempt_at IS NULL THEN [] ELSE [1] END |
  SET d.next_attempt_at = $next_attempt_at)
FOREACH (x IN CASE WHEN $status = 'delivered' THEN [1] ELSE [] END |
  SET d.delivered_at = $now)
RETURN d.id AS id

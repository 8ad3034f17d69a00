// Count one try on a row $holder leases: append its log line, set status
// and next try, end the lease. Nothing when the lease was retaken by another.
// No property is set to null (FalkorDB 4.16 bug #1787 mixes up a SET of
// nulls and values): a row that is no longer pending keeps $now as its next
// try (never read: claims take pending rows only), and an ended lease has
// holder ''.
MATCH (d:WebhookDelivery {tenant: $tenant, id: $id})
WHERE d.lease_holder = $holder
SET d.attempts = d.attempts + 1, d.log = d.log + [$entry], d.status = $status,
  d.next_attempt_at = coalesce($next_attempt_at, $now), d.lease_until = $now,
  d.lease_holder = ''
FOREACH (x IN CASE WHEN $status = 'delivered' THEN [1] ELSE [] END |
  SET d.delivered_at = $now)
RETURN d.id AS id

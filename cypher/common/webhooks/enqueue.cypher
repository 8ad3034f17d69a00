// The outbox: one pending row per (webhook wanting the event, event id),
// due at once. MERGE on the pair keeps a repeated event (a retried batch, a
// transaction run again) to one row and one delivery.
UNWIND $events AS ev
MATCH (w:Webhook {tenant: $tenant})
WHERE ev.type IN w.events AND (w.spaces IS NULL OR $space IN w.spaces)
MERGE (d:WebhookDelivery {tenant: $tenant, webhook_id: w.id, event_id: ev.id})
  ON CREATE SET d.id = w.id + '_' + ev.id, d.space = $space, d.event = ev.type,
    d.payload = ev.payload, d.status = 'pending', d.attempts = 0,
    d.next_attempt_at = $now, d.created_at = $now, d.log = []
RETURN count(d) AS queued

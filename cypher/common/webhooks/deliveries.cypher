// A webhook's newest outbox rows with their delivery logs.
MATCH (d:WebhookDelivery {tenant: $tenant, webhook_id: $webhook_id})
RETURN d.id AS id, d.event_id AS event_id, d.event AS event, d.space AS space,
  d.status AS status, d.attempts AS attempts, d.created_at AS created_at,
  d.next_attempt_at AS next_attempt_at, d.delivered_at AS delivered_at, d.log AS log
ORDER BY d.created_at DESC, d.id DESC
LIMIT $limit

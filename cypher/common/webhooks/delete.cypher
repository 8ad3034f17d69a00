// Remove a webhook and its outbox rows (pending ones are never sent).
MATCH (w:Webhook {tenant: $tenant, id: $id})
OPTIONAL MATCH (d:WebhookDelivery {tenant: $tenant, webhook_id: $id})
WITH w, collect(d) AS rows
FOREACH (d IN rows | DELETE d)
DELETE w
RETURN count(*) AS deleted

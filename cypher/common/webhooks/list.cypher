// The tenant's webhooks, without their secrets.
MATCH (w:Webhook {tenant: $tenant})
RETURN w.id AS id, w.url AS url, w.events AS events, w.spaces AS spaces,
  w.created_at AS created_at
ORDER BY w.created_at, w.id

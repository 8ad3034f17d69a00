// One webhook of the tenant, without its secret.
MATCH (w:Webhook {tenant: $tenant, id: $id})
RETURN w.id AS id, w.url AS url, w.events AS events, w.spaces AS spaces,
  w.created_at AS created_at

// Store a new webhook of the tenant with its signing secret.
CREATE (w:Webhook {tenant: $tenant, id: $id, url: $url, events: $events, spaces: $spaces,
  secret: $secret, created_at: $created_at})
RETURN w.id AS id

// How many webhooks of the tenant want any of $events in $space.
MATCH (w:Webhook {tenant: $tenant})
WHERE any(t IN w.events WHERE t IN $events) AND (w.spaces IS NULL OR $space IN w.spaces)
RETURN count(w) AS listening

// Dismiss an open insight (a dismissed or resolved one keeps its status);
// answers the status it has now.
MATCH (i:Insight {tenant: $tenant, space: $space, id: $id})
FOREACH (x IN CASE WHEN i.status = 'open' THEN [1] ELSE [] END |
  SET i.status = 'dismissed', i.dismissed_at = $now)
RETURN i.status AS status

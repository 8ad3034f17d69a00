// The latest instant an episode of the space was said (null: no episode);
// the digest's "last 7 days of activity" ends on its day.
MATCH (ep:Episode)
WHERE ep.tenant = $tenant AND ep.space = $space
RETURN max(ep.occurred_at) AS latest

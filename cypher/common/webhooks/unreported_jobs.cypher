// Finished jobs (all episodes done or failed) of any tenant of $tenants
// (empty: all) whose job event is still owed (reported false), oldest first.
// Jobs stored before this flag existed have none and are never swept.
MATCH (j:Job)
WHERE j.reported = false AND (size($tenants) = 0 OR j.tenant IN $tenants)
UNWIND j.episode_ids AS episode_id
OPTIONAL MATCH (e:Episode {tenant: j.tenant, id: episode_id})
WITH j, collect(e.status) AS statuses, collect(e.error) AS errors
WHERE all(s IN statuses WHERE s IN ['done', 'failed'])
RETURN j.tenant AS tenant, j.id AS id, j.space AS space, j.created_at AS created_at,
  size(j.episode_ids) AS total, statuses, errors
ORDER BY created_at, id
LIMIT $limit

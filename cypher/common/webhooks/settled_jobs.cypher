// Jobs of the space holding any of $ids whose episodes are all done or
// failed (what job.completed / job.failed report).
MATCH (j:Job {tenant: $tenant, space: $space})
WHERE any(i IN j.episode_ids WHERE i IN $ids)
UNWIND j.episode_ids AS episode_id
OPTIONAL MATCH (e:Episode {tenant: $tenant, id: episode_id})
WITH j, collect(e.status) AS statuses, collect(e.error) AS errors
WHERE all(s IN statuses WHERE s IN ['done', 'failed'])
RETURN j.id AS id, j.space AS space, j.created_at AS created_at,
  size(j.episode_ids) AS total, statuses, errors

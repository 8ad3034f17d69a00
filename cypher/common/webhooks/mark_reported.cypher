// Record that the job events of jobs $ids are in the outbox (or that nobody
// listened). Only a job still finished is marked: one queued again by a
// retry in the meantime stays owed.
UNWIND $ids AS job_id
MATCH (j:Job {tenant: $tenant, space: $space, id: job_id})
UNWIND j.episode_ids AS episode_id
OPTIONAL MATCH (e:Episode {tenant: $tenant, id: episode_id})
WITH j, collect(e.status) AS statuses
WHERE all(s IN statuses WHERE s IN ['done', 'failed'])
SET j.reported = true
RETURN count(j) AS marked

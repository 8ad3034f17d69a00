// Put a job's failed episodes back in the queue: pending again, error and
// claim cleared. Episodes in any other state are left alone.
MATCH (j:Job {tenant: $tenant, id: $job_id})
UNWIND j.episode_ids AS episode_id
MATCH (e:Episode {tenant: $tenant, id: episode_id})
WHERE e.space = j.space AND e.status = 'failed'
SET e.status = 'pending', e.error = null, e.claimed_at = null, e.claimed_by = null
RETURN count(e) AS retried

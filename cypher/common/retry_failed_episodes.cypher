// Put a job's failed episodes back in the queue: pending again, error and
// claim cleared. Episodes in any other state are left alone. REMOVE, not SET
// to null next to other updates: see apply_versions (FalkorDB issue #1787).
// The job will end again, so its job event is owed again (reported false).
MATCH (j:Job {tenant: $tenant, id: $job_id})
SET j.reported = false
WITH j
UNWIND j.episode_ids AS episode_id
MATCH (e:Episode {tenant: $tenant, id: episode_id})
WHERE e.space = j.space AND e.status = 'failed'
REMOVE e.error, e.claimed_at, e.claimed_by
SET e.status = 'pending'
RETURN count(e) AS retried

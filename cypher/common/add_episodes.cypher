// Store a batch of episodes as pending, plus the job that tracks them.
// Idempotent per (tenant, space, dedup_key): an existing episode is kept as it is.
// The job starts unreported: its job.completed / job.failed event is owed
// (webhooks/unreported_jobs, webhooks/mark_reported).
CREATE (j:Job {id: $job_id, tenant: $tenant, space: $space, created_at: $now, episode_ids: [],
  reported: false})
WITH j
UNWIND $episodes AS ep
MERGE (e:Episode {tenant: $tenant, space: $space, dedup_key: ep.dedup_key})
  ON CREATE SET
    e.id = ep.id, e.role = ep.role, e.speaker = ep.speaker, e.content = ep.content,
    e.content_hash = ep.content_hash, e.occurred_at = ep.occurred_at, e.recorded_at = $now,
    e.status = 'pending', e.attempts = 0, e.idempotency_key = ep.idempotency_key,
    e.source = ep.source, e.metadata_json = ep.metadata_json,
    e.agent_id = ep.agent_id, e.run_id = ep.run_id, e.app_id = ep.app_id,
    e.private = ep.private
WITH j, collect({position: ep.position, id: e.id, created: e.id = ep.id}) AS refs
SET j.episode_ids = [r IN refs | r.id]
RETURN refs

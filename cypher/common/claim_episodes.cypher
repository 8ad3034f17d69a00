// Claim pending episodes (any tenant) for the ingest worker $worker. A claim
// older than $stale_before belongs to a worker that died (live workers renew
// theirs with renew_claims), so it is taken again. A worker id claims only
// when it holds no batch (the batch a worker claims ahead, while one is
// written, goes under its second id), so its own claims still processing
// were dropped (the store went away mid-batch) and are taken again at once.
// $tenants limits the worker to those tenants (empty: every tenant).
MATCH (e:Episode)
WHERE (e.status = 'pending'
    OR (e.status = 'processing' AND (e.claimed_at < $stale_before OR e.claimed_by = $worker)))
  AND (size($tenants) = 0 OR e.tenant IN $tenants)
WITH e
ORDER BY e.recorded_at, e.id
LIMIT $limit
SET e.status = 'processing', e.claimed_at = $now, e.claimed_by = $worker,
  e.attempts = coalesce(e.attempts, 0) + 1
RETURN e.tenant AS tenant, {
  id: e.id, space: e.space, role: e.role, speaker: e.speaker, content: e.content,
  content_hash: e.content_hash, occurred_at: e.occurred_at, recorded_at: e.recorded_at,
  status: e.status, error: e.error, source: e.source, metadata_json: e.metadata_json,
  agent_id: e.agent_id, run_id: e.run_id, app_id: e.app_id
} AS episode

// Store insight drafts: an open insight with the same fingerprint in the
// space is updated in place (title, body, score, evidence, data and run; its
// id and created_at stay), otherwise a new open insight is created with row.id.
UNWIND $insights AS row
MERGE (i:Insight {tenant: $tenant, space: $space, fingerprint: row.fingerprint,
  status: 'open'})
ON CREATE SET i.id = row.id, i.created_at = $now, i.agent = row.agent, i.kind = row.kind
SET i.title = row.title, i.body = row.body, i.score = row.score,
  i.fact_ids = row.fact_ids, i.episode_ids = row.episode_ids, i.data = row.data,
  i.run_id = $run_id, i.updated_at = $now
RETURN row.fingerprint AS fingerprint, i.id AS id, i.id = row.id AS created

// One page of a space's facts valid at $as_of and known at $known_at, in id
// (creation) order; keyset pagination on id.
MATCH (s:Entity)-[f:FACT {tenant: $tenant, space: $space}]->(o:Entity)
WHERE f.id > $after
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
  AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
WITH s, f, o
ORDER BY f.id
LIMIT $limit
RETURN {
  id: f.id, space: f.space, subject: s.name, predicate: f.predicate, object: o.name,
  text: f.text, confidence: f.confidence, valid_from: f.valid_from, valid_to: f.valid_to,
  recorded_at: f.recorded_at, expired_at: f.expired_at, episode_ids: f.episode_ids,
  superseded_by: f.superseded_by, agent_id: f.agent_id, run_id: f.run_id, app_id: f.app_id,
  observed_at: f.observed_at, version_of: f.version_of,
  invalidation_reason: f.invalidation_reason, extractor: f.extractor,
  private: coalesce(f.private, false)
} AS fact

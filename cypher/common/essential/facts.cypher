// The space's current facts of $predicates, for essential memory: valid at
// $now, known now (not expired, not superseded), with their support (how many
// episodes state them) for the caller's deterministic ranking.
MATCH (s:Entity)-[f:FACT {tenant: $tenant, space: $space}]->(o:Entity)
WHERE f.predicate IN $predicates AND f.superseded_by IS NULL AND f.expired_at IS NULL
  AND (f.valid_from IS NULL OR f.valid_from <= $now) AND (f.valid_to IS NULL OR $now < f.valid_to)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
RETURN {
  id: f.id, space: f.space, subject: s.name, predicate: f.predicate, object: o.name,
  text: f.text, confidence: f.confidence, valid_from: f.valid_from, valid_to: f.valid_to,
  recorded_at: f.recorded_at, expired_at: f.expired_at, episode_ids: f.episode_ids,
  superseded_by: f.superseded_by, agent_id: f.agent_id, run_id: f.run_id, app_id: f.app_id,
  observed_at: f.observed_at, version_of: f.version_of,
  invalidation_reason: f.invalidation_reason, extractor: f.extractor,
  private: coalesce(f.private, false)
} AS fact, size(coalesce(f.episode_ids, [])) AS support

// Shared facts by id (the ids a shared scope allows), valid at $as_of and known
// at $known_at, with both ends; only of the sharing spaces of this tenant.
MATCH (s)-[f:FACT]->(o)
WHERE f.id IN $ids AND f.tenant = $tenant AND f.space IN $spaces
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
  AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
RETURN {
  id: f.id, space: f.space, subject: s.name, predicate: f.predicate, object: o.name,
  text: f.text, confidence: f.confidence, valid_from: f.valid_from, valid_to: f.valid_to,
  recorded_at: f.recorded_at, expired_at: f.expired_at, episode_ids: f.episode_ids,
  superseded_by: f.superseded_by, agent_id: f.agent_id, run_id: f.run_id, app_id: f.app_id,
  observed_at: f.observed_at, version_of: f.version_of,
  invalidation_reason: f.invalidation_reason, extractor: f.extractor,
  private: coalesce(f.private, false)
} AS fact,
  {
    id: s.id, space: s.space, name: s.name, key: s.key, type: s.type, aliases: s.aliases,
    summary: s.summary, created_at: s.created_at, updated_at: s.updated_at
  } AS subject,
  {
    id: o.id, space: o.space, name: o.name, key: o.key, type: o.type, aliases: o.aliases,
    summary: o.summary, created_at: o.created_at, updated_at: o.updated_at
  } AS object
ORDER BY f.id

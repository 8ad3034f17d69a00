// Shared facts by id (the ids a shared scope allows) known at $known_at that
// start, end or were first stated in [$start, $end), optionally about one
// entity and some predicates, oldest first; as timeline_facts for one space.
MATCH (s)-[f:FACT]->(o)
WHERE f.id IN $ids AND f.tenant = $tenant AND f.space IN $spaces
  AND ($entity_id = '' OR s.id = $entity_id OR o.id = $entity_id)
  AND (size($predicates) = 0 OR f.predicate IN $predicates)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
  AND ((f.valid_from >= $start AND f.valid_from < $end)
    OR (f.valid_to >= $start AND f.valid_to < $end)
    OR (f.valid_from IS NULL AND coalesce(f.observed_at, f.recorded_at) >= $start
      AND coalesce(f.observed_at, f.recorded_at) < $end))
WITH s, f, o
ORDER BY coalesce(f.valid_from, f.observed_at, f.recorded_at), f.id
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

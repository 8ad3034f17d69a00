// Live facts by id, as supersession sees them (archived versions are skipped).
UNWIND $ids AS id
MATCH (s:Entity)-[f:FACT {id: id}]->(o:Entity)
WHERE f.tenant = $tenant AND f.space = $space AND f.latest = true
RETURN {
  id: f.id, subject_key: s.key, predicate: f.predicate, object_key: o.key,
  stated_valid_from: f.stated_valid_from, stated_valid_to: f.stated_valid_to,
  observed_at: coalesce(f.observed_at, f.recorded_at), valid_from: f.valid_from,
  valid_to: f.valid_to, superseded_by: f.superseded_by, text: f.text,
  confidence: f.confidence, invalidation_reason: f.invalidation_reason,
  recorded_at: f.recorded_at, episode_ids: f.episode_ids, statements: f.statements,
  correction: f.correction
} AS fact

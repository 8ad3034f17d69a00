// Facts by id within one scope.
UNWIND $ids AS id
MATCH (s:Entity)-[f:FACT {id: id}]->(o:Entity)
WHERE f.tenant = $tenant AND f.space = $space
RETURN {
  id: f.id, space: f.space, subject: s.name, predicate: f.predicate, object: o.name,
  text: f.text, confidence: f.confidence, valid_from: f.valid_from, valid_to: f.valid_to,
  recorded_at: f.recorded_at, expired_at: f.expired_at, episode_ids: f.episode_ids,
  superseded_by: f.superseded_by, agent_id: f.agent_id, run_id: f.run_id, app_id: f.app_id,
  observed_at: f.observed_at, version_of: f.version_of,
  invalidation_reason: f.invalidation_reason
} AS fact

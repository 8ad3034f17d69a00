// Up to $limit facts touching each entity (either direction), valid at $as_of
// and known at $known_at, newest first: one query for a whole page of entities.
UNWIND $ids AS id
MATCH (n:Entity {tenant: $tenant, space: $space, id: id})-[f:FACT]-(:Entity)
WHERE ($predicates IS NULL OR f.predicate IN $predicates)
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of) AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
WITH id, f
ORDER BY f.id DESC
WITH id, collect(f)[..$limit] AS facts
UNWIND facts AS f
WITH id, f, startNode(f) AS s, endNode(f) AS o
RETURN id AS entity_id, {
  id: f.id, space: f.space, subject: s.name, predicate: f.predicate, object: o.name,
  text: f.text, confidence: f.confidence, valid_from: f.valid_from, valid_to: f.valid_to,
  recorded_at: f.recorded_at, expired_at: f.expired_at, episode_ids: f.episode_ids,
  superseded_by: f.superseded_by, agent_id: f.agent_id, run_id: f.run_id, app_id: f.app_id
} AS fact, s.id AS subject_id, o.id AS object_id

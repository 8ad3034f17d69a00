// The facts within 2 hop(s) of an entity, each with the hop at which it is first
// reached; every fact on the way is valid at $as_of, known at $known_at and, when
// given, one of $predicates. Nearest first, at most $limit. (A variable-length
// bound cannot be a parameter, so each depth has its own file.)
MATCH (c:Entity {tenant: $tenant, space: $space, id: $id})
MATCH p = (c)-[:FACT*1..2]-(:Entity)
WHERE all(f IN relationships(p) WHERE f.tenant = $tenant AND f.space = $space
  AND ($predicates IS NULL OR f.predicate IN $predicates)
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of) AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id))
UNWIND range(0, length(p) - 1) AS i
WITH relationships(p)[i] AS f, i + 1 AS hop
WITH f, min(hop) AS hop
ORDER BY hop, f.confidence DESC, f.id
LIMIT $limit
WITH f, hop, startNode(f) AS s, endNode(f) AS o
RETURN {
  id: f.id, space: f.space, subject: s.name, predicate: f.predicate, object: o.name,
  text: f.text, confidence: f.confidence, valid_from: f.valid_from, valid_to: f.valid_to,
  recorded_at: f.recorded_at, expired_at: f.expired_at, episode_ids: f.episode_ids,
  superseded_by: f.superseded_by, agent_id: f.agent_id, run_id: f.run_id, app_id: f.app_id
} AS fact, hop,
  {
    id: s.id, space: s.space, name: s.name, key: s.key, type: s.type, aliases: s.aliases,
    summary: s.summary, created_at: s.created_at, updated_at: s.updated_at
  } AS subject,
  {
    id: o.id, space: o.space, name: o.name, key: o.key, type: o.type, aliases: o.aliases,
    summary: o.summary, created_at: o.created_at, updated_at: o.updated_at
  } AS object

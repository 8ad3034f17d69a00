// Curator, stale facts: current facts valid at $now whose newest supporting
// episode said it before the cutoff of its predicate's class ($cutoffs: one
// row {predicates, cutoff} per class that can go stale). Without episodes
// (a posted fact) its first statement (observed_at, else recorded_at) is its
// support. Episodes are looked up by id, one index seek each.
UNWIND $cutoffs AS c
MATCH (s:Entity {tenant: $tenant, space: $space})-[f:FACT]->(o:Entity)
WHERE f.predicate IN c.predicates AND f.expired_at IS NULL
  AND o.tenant = $tenant AND o.space = $space
  AND (f.valid_from IS NULL OR f.valid_from <= $now)
  AND (f.valid_to IS NULL OR $now < f.valid_to)
UNWIND CASE WHEN size(coalesce(f.episode_ids, [])) = 0 THEN [null]
  ELSE f.episode_ids END AS episode_id
OPTIONAL MATCH (e:Episode {tenant: $tenant, space: $space, id: episode_id})
WITH c, s, f, o, max(e.occurred_at) AS said
WITH c, s, f, o, coalesce(said, f.observed_at, f.recorded_at) AS last_support
WHERE last_support < c.cutoff
RETURN
  {id: f.id, subject_id: s.id, subject: s.name, predicate: f.predicate, object_id: o.id,
   object: o.name, text: f.text, confidence: f.confidence, valid_from: f.valid_from,
   valid_to: f.valid_to, stated_at: coalesce(f.observed_at, f.recorded_at),
   episode_ids: f.episode_ids} AS fact,
  last_support, f.decayed_at AS decayed_at
ORDER BY fact.id

// Curator, contradictions: two current facts between the same subject and
// object whose predicates are a configured opposite pair (likes / dislikes,
// p / not_p) and whose valid intervals overlap.
UNWIND $pairs AS pair
MATCH (s:Entity {tenant: $tenant, space: $space})-[f1:FACT {predicate: pair.p}]->(o:Entity)
WHERE f1.expired_at IS NULL AND o.tenant = $tenant AND o.space = $space
MATCH (s)-[f2:FACT {predicate: pair.q}]->(o)
WHERE f2.expired_at IS NULL
  AND (f1.valid_from IS NULL OR f2.valid_to IS NULL OR f1.valid_from < f2.valid_to)
  AND (f2.valid_from IS NULL OR f1.valid_to IS NULL OR f2.valid_from < f1.valid_to)
RETURN
  {id: f1.id, subject_id: s.id, subject: s.name, predicate: f1.predicate, object_id: o.id,
   object: o.name, text: f1.text, confidence: f1.confidence, valid_from: f1.valid_from,
   valid_to: f1.valid_to, stated_at: coalesce(f1.observed_at, f1.recorded_at),
   episode_ids: f1.episode_ids} AS first,
  {id: f2.id, subject_id: s.id, subject: s.name, predicate: f2.predicate, object_id: o.id,
   object: o.name, text: f2.text, confidence: f2.confidence, valid_from: f2.valid_from,
   valid_to: f2.valid_to, stated_at: coalesce(f2.observed_at, f2.recorded_at),
   episode_ids: f2.episode_ids} AS second
ORDER BY first.id, second.id

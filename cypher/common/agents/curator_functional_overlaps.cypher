// Curator, contradictions: two current facts of one subject with the same
// functional predicate, different objects and overlapping valid intervals
// (an unset bound is unbounded). Supersession closes such overlaps when facts
// are written in one chain; what is left comes from stated intervals, imports
// and entities merged since.
MATCH (s:Entity {tenant: $tenant, space: $space})-[f1:FACT]->(o1:Entity)
WHERE f1.predicate IN $predicates AND f1.expired_at IS NULL
  AND o1.tenant = $tenant AND o1.space = $space
MATCH (s)-[f2:FACT {predicate: f1.predicate}]->(o2:Entity)
WHERE f2.expired_at IS NULL AND f1.id < f2.id AND o1.id <> o2.id
  AND o2.tenant = $tenant AND o2.space = $space
  AND (f1.valid_from IS NULL OR f2.valid_to IS NULL OR f1.valid_from < f2.valid_to)
  AND (f2.valid_from IS NULL OR f1.valid_to IS NULL OR f2.valid_from < f1.valid_to)
RETURN
  {id: f1.id, subject_id: s.id, subject: s.name, predicate: f1.predicate, object_id: o1.id,
   object: o1.name, text: f1.text, confidence: f1.confidence, valid_from: f1.valid_from,
   valid_to: f1.valid_to, stated_at: coalesce(f1.observed_at, f1.recorded_at),
   episode_ids: f1.episode_ids} AS first,
  {id: f2.id, subject_id: s.id, subject: s.name, predicate: f2.predicate, object_id: o2.id,
   object: o2.name, text: f2.text, confidence: f2.confidence, valid_from: f2.valid_from,
   valid_to: f2.valid_to, stated_at: coalesce(f2.observed_at, f2.recorded_at),
   episode_ids: f2.episode_ids} AS second
ORDER BY first.id, second.id

// Curator, low-information facts: current facts whose predicate is a light
// verb ($predicates, chosen by the curator from the space's predicates) and
// whose object says nothing ($objects: entity keys such as "best", "things").
MATCH (s:Entity {tenant: $tenant, space: $space})-[f:FACT]->(o:Entity)
WHERE f.predicate IN $predicates AND f.expired_at IS NULL
  AND o.tenant = $tenant AND o.space = $space AND o.key IN $objects
RETURN
  {id: f.id, subject_id: s.id, subject: s.name, predicate: f.predicate, object_id: o.id,
   object: o.name, text: f.text, confidence: f.confidence, valid_from: f.valid_from,
   valid_to: f.valid_to, stated_at: coalesce(f.observed_at, f.recorded_at),
   episode_ids: f.episode_ids} AS fact
ORDER BY fact.id

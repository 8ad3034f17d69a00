// How many facts match (subject, predicate, object) at $as_of / $known_at.
MATCH (s:Entity)-[f:FACT {tenant: $tenant, space: $space}]->(o:Entity)
WHERE ($subject_key IS NULL OR s.key = $subject_key)
  AND ($predicate IS NULL OR f.predicate = $predicate)
  AND ($object_key IS NULL OR o.key = $object_key)
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of) AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
  AND ($agent_id IS NULL OR f.agent_id = $agent_id) AND ($run_id IS NULL OR f.run_id = $run_id) AND ($app_id IS NULL OR f.app_id = $app_id)
RETURN count(f) AS total

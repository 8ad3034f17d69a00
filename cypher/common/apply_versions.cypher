// Record a new state of live facts. The state memory held until now is kept
// as an archived copy (version_of, expired_at = now), so transaction-time
// queries still see it; a state recorded in this same instant is overwritten.
UNWIND $versions AS v
MATCH (s:Entity)-[f:FACT {id: v.id}]->(o:Entity)
WHERE f.tenant = $tenant AND f.space = $space AND f.latest = true
FOREACH (_ IN CASE WHEN f.recorded_at < $now THEN [1] ELSE [] END |
  CREATE (s)-[old:FACT]->(o)
  SET old = properties(f), old.id = v.version_id, old.latest = false,
    old.version_of = f.id, old.expired_at = $now)
SET f.valid_from = v.valid_from, f.valid_to = v.valid_to,
  f.superseded_by = v.superseded_by, f.stated_valid_from = v.stated_valid_from,
  f.stated_valid_to = v.stated_valid_to, f.text = v.text, f.confidence = v.confidence,
  f.invalidation_reason = v.invalidation_reason, f.recorded_at = $now
RETURN count(f) AS versions

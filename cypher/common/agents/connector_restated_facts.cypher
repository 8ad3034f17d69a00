// Current facts stated at least $min_statements times (one statement per
// episode or post that said it, JSON text with epoch-ms instants), for
// recurring patterns (agents/connector/recurring.py).
MATCH (s:Entity)-[f:FACT]->(o:Entity)
WHERE f.tenant = $tenant AND f.space = $space AND f.expired_at IS NULL
  AND s.tenant = $tenant AND s.space = $space
  AND o.tenant = $tenant AND o.space = $space
  AND size(coalesce(f.statements, [])) >= $min_statements
RETURN f.id AS id, s.id AS subject_id, s.key AS subject_key, s.name AS subject,
  f.predicate AS predicate, o.id AS object_id, o.key AS object_key, o.name AS object,
  f.statements AS statements

// The space's current facts (not expired in transaction time) between two
// distinct entities, counted per (subject, object): the weighted projection
// the connector clusters and ranks (agents/connector/projection.py).
MATCH (s:Entity)-[f:FACT]->(o:Entity)
WHERE f.tenant = $tenant AND f.space = $space AND f.expired_at IS NULL
  AND s.tenant = $tenant AND s.space = $space
  AND o.tenant = $tenant AND o.space = $space AND s <> o
RETURN s.id AS source, s.key AS source_key, s.name AS source_name,
  o.id AS target, o.key AS target_key, o.name AS target_name, count(f) AS facts

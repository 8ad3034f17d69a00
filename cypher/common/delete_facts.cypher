// Hard-delete a fact with every version of it; returns its chain.
MATCH (s:Entity)-[f:FACT]->(:Entity)
WHERE f.tenant = $tenant AND f.space = $space AND (f.id = $id OR f.version_of = $id)
WITH s.key AS subject_key, f.predicate AS predicate, f
DELETE f
RETURN subject_key, predicate, count(f) AS facts

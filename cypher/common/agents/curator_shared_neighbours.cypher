// Curator, duplicates: for candidate pairs of entities, the entities both are
// linked to by a current fact in either direction. Each side is collected on
// directed patterns with the scope checked on the far entity (see
// curator_entities.cypher).
UNWIND $pairs AS pair
MATCH (a:Entity {tenant: $tenant, space: $space, id: pair.a})
MATCH (b:Entity {tenant: $tenant, space: $space, id: pair.b})
OPTIONAL MATCH (a)-[fa:FACT]->(x:Entity)
WHERE fa.expired_at IS NULL AND x.tenant = $tenant AND x.space = $space
WITH pair, a, b, collect(x.id) AS a_out
OPTIONAL MATCH (y:Entity)-[fb:FACT]->(a)
WHERE fb.expired_at IS NULL AND y.tenant = $tenant AND y.space = $space
WITH pair, b, a_out, collect(y.id) AS a_in
OPTIONAL MATCH (b)-[fc:FACT]->(z:Entity)
WHERE fc.expired_at IS NULL AND z.tenant = $tenant AND z.space = $space
WITH pair, b, a_out, a_in, collect(z.id) AS b_out
OPTIONAL MATCH (w:Entity)-[fd:FACT]->(b)
WHERE fd.expired_at IS NULL AND w.tenant = $tenant AND w.space = $space
WITH pair, a_out, a_in, b_out, collect(w.id) AS b_in
WITH pair, a_out + a_in AS a_ids, b_out + b_in AS b_ids
WITH pair, [id IN a_ids WHERE id IN b_ids AND id <> pair.a AND id <> pair.b] AS shared
WHERE size(shared) > 0
RETURN pair.a AS a, pair.b AS b, shared

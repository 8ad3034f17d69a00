// Store vectors and mark the batch's episodes done. Counts carry no grouping
// key so an empty list never drops the row (see write_graph).
// FalkorDB stores vectors with vecf32().
UNWIND $facts AS row
MATCH ()-[f:FACT {id: row.id}]->()
WHERE f.tenant = $tenant AND f.space = $space AND f.embedding IS NULL
SET f.embedding = vecf32(row.embedding)
WITH count(f) AS fact_vectors
UNWIND $entities AS row
MATCH (n:Entity {tenant: $tenant, space: $space, key: row.key})
WHERE n.embedding IS NULL
SET n.embedding = vecf32(row.embedding)
WITH count(n) AS entity_vectors
UNWIND $episodes AS row
MATCH (e:Episode {tenant: $tenant, space: $space, id: row.id})
REMOVE e.error
SET e.embedding = vecf32(row.embedding), e.status = 'done', e.processed_at = $now
RETURN count(e) AS done

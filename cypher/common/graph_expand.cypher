// One breadth-first step: the facts touching each entity in $ids that are valid
// at $as_of and known at $known_at, as (from, fact, to) ids.
UNWIND $ids AS id
MATCH (x:Entity {tenant: $tenant, space: $space, id: id})-[f:FACT]-(n:Entity)
WHERE ($predicates IS NULL OR f.predicate IN $predicates)
  AND (f.valid_from IS NULL OR f.valid_from <= $as_of) AND (f.valid_to IS NULL OR $as_of < f.valid_to)
  AND f.recorded_at <= $known_at AND (f.expired_at IS NULL OR $known_at < f.expired_at)
RETURN id AS from_id, f.id AS fact_id, n.id AS to_id
LIMIT $limit

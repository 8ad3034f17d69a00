// Activity of the window [$start, $end): the entities that episodes said in
// it mention or that live facts first stated in it join (observed_at;
// recorded_at for a fact written before statements were kept), each with its
// count of both, busiest first (ties by name, so both engines agree): the
// $top of them and how many there were; then the episodes and facts.
// An OPTIONAL MATCH that finds nothing still collects one map of nulls, so
// the UNWIND is never empty; that map's group (id null) is not collected.
// FACT ends are unlabelled on purpose: FACT joins entities only, and without
// labels FalkorDB 4.16 reads the relationship index once (with them it ran
// the index scan once per Entity node: 921 ms against 37 ms on 8,000 facts).
OPTIONAL MATCH (ep:Episode)-[:MENTIONS]->(e:Entity)
WHERE ep.tenant = $tenant AND ep.space = $space
  AND ep.occurred_at >= $start AND ep.occurred_at < $end
  AND e.tenant = $tenant AND e.space = $space
WITH collect({id: e.id, name: e.name, mentions: 1, facts: 0}) AS mentioned
OPTIONAL MATCH (s)-[f:FACT]->(o)
WHERE f.tenant = $tenant AND f.space = $space AND f.expired_at IS NULL
  AND coalesce(f.observed_at, f.recorded_at) >= $start
  AND coalesce(f.observed_at, f.recorded_at) < $end
WITH mentioned,
  collect({id: s.id, name: s.name, mentions: 0, facts: 1})
  + collect({id: o.id, name: o.name, mentions: 0, facts: 1}) AS ends
UNWIND mentioned + ends AS r
WITH r.id AS id, r.name AS name, sum(r.mentions) AS mentions, sum(r.facts) AS facts
ORDER BY facts + mentions DESC, name, id
WITH collect(CASE WHEN id IS NULL THEN null
  ELSE {id: id, name: name, facts: facts, mentions: mentions} END) AS busy
OPTIONAL MATCH (ep:Episode)
WHERE ep.tenant = $tenant AND ep.space = $space
  AND ep.occurred_at >= $start AND ep.occurred_at < $end
WITH busy, count(ep) AS episodes
OPTIONAL MATCH ()-[f:FACT]->()
WHERE f.tenant = $tenant AND f.space = $space AND f.expired_at IS NULL
  AND coalesce(f.observed_at, f.recorded_at) >= $start
  AND coalesce(f.observed_at, f.recorded_at) < $end
RETURN episodes, count(f) AS facts, size(busy) AS entities, busy[0..$top] AS top

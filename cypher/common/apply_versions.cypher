// Record the resolution of chains in one transaction (see FactVersion):
// 1. split-off facts ($created) start as copies of the live fact named by
//    copy_of (same ends, text and embedding);
// 2. each live fact ($versions) gets its new state; where `archive` is set, the
//    state memory held until now is kept as an archived copy (version_of,
//    expired_at = now) so transaction-time queries still see it, unless it was
//    recorded in this same instant; without it, sources are updated in place;
//    a new vector for a corrected text is set here too;
// 3. retired facts (merged into another) stop being live: expired_at = now.
// Properties that may become null are REMOVEd in a clause of their own before
// the SET: FalkorDB 4.16 mixes up a SET that removes some properties and
// updates others (FalkorDB issue #1787: a split-off copy kept its source's
// superseded_by and lost its own valid_to).
// Each `WITH count(...)` carries no grouping key, so an empty list never drops
// the row the next section needs. FalkorDB's copy differs only in vecf32().
UNWIND $created AS c
MATCH (s:Entity)-[src:FACT {id: c.copy_of}]->(o:Entity)
WHERE src.tenant = $tenant AND src.space = $space AND src.latest = true
CREATE (s)-[f:FACT]->(o)
SET f = properties(src)
REMOVE f.expired_at, f.invalidation_reason, f.correction
SET f.id = c.id, f.recorded_at = $now
WITH count(f) AS created
UNWIND $versions AS v
MATCH (s:Entity)-[f:FACT {id: v.id}]->(o:Entity)
WHERE f.tenant = $tenant AND f.space = $space AND f.latest = true
FOREACH (_ IN CASE WHEN v.archive AND f.recorded_at < $now THEN [1] ELSE [] END |
  CREATE (s)-[old:FACT]->(o)
  SET old = properties(f), old.id = v.version_id, old.latest = false,
    old.version_of = f.id, old.expired_at = $now)
FOREACH (_ IN CASE WHEN v.embedding IS NULL THEN [] ELSE [1] END |
  SET f.embedding = v.embedding)
REMOVE f.valid_from, f.valid_to, f.superseded_by, f.stated_valid_from, f.stated_valid_to,
  f.invalidation_reason, f.correction
SET f.valid_from = v.valid_from, f.valid_to = v.valid_to,
  f.superseded_by = v.superseded_by, f.stated_valid_from = v.stated_valid_from,
  f.stated_valid_to = v.stated_valid_to, f.text = v.text, f.confidence = v.confidence,
  f.invalidation_reason = v.invalidation_reason, f.observed_at = v.observed_at,
  f.episode_ids = v.episode_ids, f.statements = v.statements, f.correction = v.correction,
  f.recorded_at = CASE WHEN v.archive THEN $now ELSE f.recorded_at END
WITH created, count(f) AS versions
UNWIND $retired AS id
MATCH (:Entity)-[r:FACT {id: id}]->(:Entity)
WHERE r.tenant = $tenant AND r.space = $space AND r.latest = true
SET r.latest = false, r.expired_at = $now
RETURN created, versions, count(r) AS retired

// Hard-delete an episode: the facts only it supports (every version) go, other
// facts and jobs forget its id, then the episode goes with its mentions.
// Each `WITH count(...)` carries no grouping key, so no step drops the row.
OPTIONAL MATCH (s:Entity)-[f:FACT]->(:Entity)
WHERE f.tenant = $tenant AND f.space = $space AND f.latest = true AND $id IN f.episode_ids
WITH collect(CASE WHEN f IS NULL THEN null ELSE {
  id: f.id, only: size(f.episode_ids) = 1, subject_key: s.key, predicate: f.predicate
} END) AS touched
WITH touched, [t IN touched WHERE t.only | t.id] AS doomed
OPTIONAL MATCH ()-[v:FACT]->()
WHERE v.tenant = $tenant AND v.space = $space AND (v.id IN doomed OR v.version_of IN doomed)
DELETE v
WITH touched, count(v) AS facts
OPTIONAL MATCH ()-[k:FACT]->()
WHERE k.tenant = $tenant AND k.space = $space AND $id IN k.episode_ids
SET k.episode_ids = [x IN k.episode_ids WHERE x <> $id]
WITH touched, facts, count(k) AS unlinked
OPTIONAL MATCH (j:Job {tenant: $tenant, space: $space})
WHERE $id IN j.episode_ids
SET j.episode_ids = [x IN j.episode_ids WHERE x <> $id]
WITH touched, facts, count(j) AS jobs
OPTIONAL MATCH (e:Episode {tenant: $tenant, space: $space, id: $id})
DETACH DELETE e
RETURN touched, facts, count(e) AS episodes

// Open insights of the given agents in the space: how many, and the first
// $limit by score (then kind and title). No :Insight node at all is a count
// of 0 (the OPTIONAL MATCH keeps one row, and collect skips its nulls).
OPTIONAL MATCH (i:Insight)
WHERE i.tenant = $tenant AND i.space = $space AND i.status = 'open'
  AND i.agent IN $agents
WITH i
ORDER BY i.score DESC, i.kind, i.title, i.id
WITH collect(CASE WHEN i IS NULL THEN null ELSE {
  id: i.id, agent: i.agent, kind: i.kind, title: i.title, score: i.score
} END) AS open
RETURN size(open) AS total, open[0..$limit] AS items

// Live facts that stopped holding in [$start, $end), in order, with their
// successor when another value superseded them: how many, and the first
// $limit. A supersession happened, as far as memory knows, when the later
// of the two facts was said (observed_at); an invalidated or ended fact
// (valid_to, no successor) at its valid_to. Ties by names and text, never
// ids, so both engines list the same graph alike.
// FACT ends are unlabelled on purpose: FACT joins entities only, and without
// labels FalkorDB 4.16 reads the relationship index once (with them it ran
// the index scan once per Entity node: 921 ms against 37 ms on 8,000 facts).
MATCH (s)-[old:FACT]->(o)
WHERE old.tenant = $tenant AND old.space = $space AND old.expired_at IS NULL
  AND (old.superseded_by IS NOT NULL OR old.valid_to IS NOT NULL)
// The successor is in the same chain (subject, predicate): found among the
// subject's own facts, not by a lookup over all facts per row (which made
// FalkorDB scan every fact once per superseded one).
OPTIONAL MATCH (s)-[new:FACT]->(no)
WHERE old.superseded_by IS NOT NULL AND new.id = old.superseded_by
  AND new.tenant = $tenant AND new.space = $space AND new.expired_at IS NULL
WITH s, old, o, s AS ns, new, no,
  coalesce(old.observed_at, old.recorded_at) AS old_seen,
  coalesce(new.observed_at, new.recorded_at) AS new_seen
WITH s, old, o, ns, new, no, old_seen, new_seen,
  CASE
    WHEN new IS NULL THEN old.valid_to
    WHEN new_seen > old_seen THEN new_seen
    ELSE old_seen
  END AS at
WHERE at >= $start AND at < $end
WITH s, old, o, ns, new, no, old_seen, new_seen, at
ORDER BY at, s.name, old.predicate, o.name, old.text, old.id
WITH collect({
  at: at, reason: old.invalidation_reason, correction: old.correction,
  superseded_by: old.superseded_by,
  old: {
    id: old.id, subject_id: s.id, subject: s.name, predicate: old.predicate,
    object_id: o.id, object: o.name, text: old.text, valid_from: old.valid_from,
    valid_to: old.valid_to, observed_at: old_seen, episode_ids: old.episode_ids
  },
  new: CASE WHEN new IS NULL THEN null ELSE {
    id: new.id, subject_id: ns.id, subject: ns.name, predicate: new.predicate,
    object_id: no.id, object: no.name, text: new.text, valid_from: new.valid_from,
    valid_to: new.valid_to, observed_at: new_seen, episode_ids: new.episode_ids
  } END
}) AS changes
RETURN size(changes) AS total, changes[0..$limit] AS changes

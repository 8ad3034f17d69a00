// Curator, undo: the change-log entries of one run, by seq.
MATCH (c:CuratorChange {tenant: $tenant, space: $space, run_id: $run_id})
RETURN c.run_id AS run_id, c.seq AS seq, c.op AS op, c.before AS before, c.after AS after,
  c.created_at AS created_at, c.undone_at AS undone_at
ORDER BY seq

// Lock chains (subject key, predicate) until this transaction ends. SET takes
// the node's write lock, which Neo4j holds until commit or rollback, so another
// transaction locking the same chain waits here; the uniqueness constraint
// makes the MERGE safe when two transactions create the node at once.
// $chains come sorted, so transactions take the locks they share in one order.
UNWIND $chains AS chain
MERGE (l:ChainLock {tenant: $tenant, space: $space, subject_key: chain.subject_key,
  predicate: chain.predicate})
SET l.locked_at = $now
RETURN count(l) AS locked

// Indexes come online asynchronously; wait (up to $timeout_s seconds) so the
// first search after start-up does not fail on a populating index.
CALL db.awaitIndexes($timeout_s)

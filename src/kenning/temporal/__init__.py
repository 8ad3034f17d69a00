"""Valid time and transaction time: supersession, corrections, deletion, timelines."""

"""Use cases that read the memory graph: neighbourhoods, paths, listings."""

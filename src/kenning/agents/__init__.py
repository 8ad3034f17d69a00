"""Memory agents: curator, connector and digest analyse a space's graph with
Cypher pattern analyses and graph algorithms, and write insights."""

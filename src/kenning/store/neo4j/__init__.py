"""Neo4j adapter (official async driver): neo4j://, neo4j+s:// (Aura), bolt://."""

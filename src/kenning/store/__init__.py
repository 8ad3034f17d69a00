"""The GraphStore port, its adapters and the Cypher loader."""

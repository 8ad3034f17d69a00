"""FastAPI app: REST under /v1 (GraphQL joins later), over the same services."""

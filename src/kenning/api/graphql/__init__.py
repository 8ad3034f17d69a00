"""GraphQL over the memory graph (strawberry), served by the same FastAPI app."""

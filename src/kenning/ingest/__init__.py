"""Ingest: episodes in, durable, then extracted, resolved, embedded and written."""

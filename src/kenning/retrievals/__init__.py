"""Retrieval logs: what each search, context and proxy retrieval returned, and why."""

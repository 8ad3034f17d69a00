"""Retrieval: channels, reciprocal rank fusion, results that say why."""

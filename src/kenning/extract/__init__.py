"""Extractors turn episodes into entities and triples."""

"""The stop words both engines' full-text indexes drop.

Lucene's English analyser (Neo4j's ``english`` indexes) and RediSearch's
default list (FalkorDB) are the same 33 words. They are not indexed, so a
query made only of them would match on the scope alone: the adapters drop
them before building a query.
"""

from __future__ import annotations

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    ]
)

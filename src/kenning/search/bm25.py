"""Okapi BM25 over per-word matches from an engine's full-text index.

Engines differ in how they score a multi-word full-text query (FalkorDB's
RediSearch gave the same score to a speaker's name said in 150 turns as to a
word said in 3), so the index is asked one word at a time for which items
match, and the ranking is computed here the same way for both engines.
A word counts once per item (binary term frequency): turns and facts are
short, and the index does not report how often a word occurs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from kenning.store.port import ScoredId, TermMatches

#: Okapi BM25 constants (Robertson & Zaragoza 2009 give k1 in [1.2, 2.0], b 0.75).
K1 = 1.2
B = 0.75


def idf(df: int, n: int) -> float:
    """Lucene's non-negative ``ln(1 + (n - df + 0.5) / (df + 0.5))``."""
    return math.log(1 + (max(n, df) - df + 0.5) / (df + 0.5))


def bm25(matches: Sequence[TermMatches], n: int, k: int) -> list[ScoredId]:
    """The ``k`` best items by BM25, best first (ties by id).

    Args:
        matches: Per word, its document frequency and the items it matches
            with their lengths (characters); a word too common to list
            (empty ``ids``) adds nothing, its idf being near zero.
        n: Items in the collection (the space).
        k: How many to return.

    Returns:
        Item ids with ``Σ idf(w) · (K1 + 1) / (1 + K1 · (1 - B + B · len / avg_len))``.
    """
    lengths: dict[str, int] = {}
    for m in matches:
        lengths.update(zip(m.ids, m.lengths, strict=True))
    if not lengths:
        return []
    average = sum(lengths.values()) / len(lengths) or 1.0
    scores: dict[str, float] = defaultdict(float)
    for m in matches:
        weight = idf(m.df, n)
        for item in m.ids:
            norm = 1 - B + B * lengths[item] / average
            scores[item] += weight * (K1 + 1) / (1 + K1 * norm)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [ScoredId(item, score) for item, score in ranked]

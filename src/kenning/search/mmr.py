"""Maximal marginal relevance (Carbonell & Goldstein, SIGIR 1998).

Picks results one at a time, each maximising
``λ · relevance(d) - (1 - λ) · max_{s in selected} similarity(d, s)``, so a
near-duplicate of something already chosen drops down the list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

_WORD = re.compile(r"\w+")


def mmr(
    items: Sequence[T],
    relevance: Sequence[float],
    similarity: Callable[[T, T], float],
    k: int,
    lambda_: float = 0.7,
) -> list[int]:
    """Indices of up to ``k`` items in MMR order.

    Args:
        items: Candidates, best first by relevance.
        relevance: One score per item, higher is better; divided by the
            largest so it is on the same [0, 1] scale as ``similarity``.
        similarity: Symmetric similarity in [0, 1] between two items.
        k: How many to pick.
        lambda_: Weight of relevance against novelty; 1.0 keeps the relevance
            order. Default 0.7, chosen by benchmarks/locomo_retrieval.py on the
            LoCoMo development split.

    Returns:
        Indices into ``items``; ties go to the earlier item.

    Raises:
        ValueError: ``relevance`` and ``items`` differ in length.
    """
    if len(items) != len(relevance):
        raise ValueError("one relevance score per item is needed")
    top = max(relevance, default=0.0)
    scale = top if top > 0 else 1.0
    rel = [r / scale for r in relevance]
    chosen: list[int] = []
    redundancy = [0.0] * len(items)  # max similarity to anything chosen so far
    remaining = list(range(len(items)))
    while remaining and len(chosen) < k:
        best = max(remaining, key=lambda i: (lambda_ * rel[i] - (1 - lambda_) * redundancy[i], -i))
        chosen.append(best)
        remaining.remove(best)
        for i in remaining:
            redundancy[i] = max(redundancy[i], similarity(items[i], items[best]))
    return chosen


def jaccard(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> float:
    """``|a & b| / |a | b|`` (Jaccard); 0.0 when both are empty."""
    # Sizes instead of building the union: MMR calls this for every pair.
    common = len(a & b)
    union = len(a) + len(b) - common
    return common / union if union else 0.0


def word_set(text: str) -> frozenset[str]:
    """Lower-cased words of ``text``, for a cheap text similarity."""
    return frozenset(_WORD.findall(text.lower()))

"""Baseline retrievers over raw conversation turns, for the LoCoMo benchmark.

They see each turn as a line of the dialogue, ``speaker: text`` (no date, no
image caption), as in ``../shared/data/locomo/README.md``: Okapi BM25 and
dense cosine over all-MiniLM-L6-v2 vectors. Not part of the product.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"\w+")

#: Okapi BM25 constants as in rank_bm25 and Lucene's defaults.
BM25_K1 = 1.5
BM25_B = 0.75


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; no stemming, no stop-word list."""
    return _WORD.findall(text.lower())


class BM25:
    """Okapi BM25 with Lucene's non-negative idf ``ln(1 + (N - df + .5) / (df + .5))``.

    Args:
        docs: The documents' texts.
    """

    def __init__(self, docs: Sequence[str]) -> None:
        self._docs = [Counter(tokens(d)) for d in docs]
        self._lengths = np.array([sum(c.values()) for c in self._docs], dtype=np.float64)
        self._avg = float(self._lengths.mean()) if len(docs) else 0.0
        df: Counter[str] = Counter()
        for counts in self._docs:
            df.update(counts.keys())
        n = len(docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: str) -> npt.NDArray[np.float64]:
        """BM25 score of every document for ``query``; shape ``(len(docs),)``."""
        out = np.zeros(len(self._docs), dtype=np.float64)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * self._lengths / max(self._avg, 1e-9))
        for term in set(tokens(query)):
            idf = self._idf.get(term)
            if idf is None:
                continue
            tf = np.array([c.get(term, 0) for c in self._docs], dtype=np.float64)
            out += idf * tf * (BM25_K1 + 1) / (tf + norm)
        return out


def top_indices(scores: npt.NDArray[np.float64], k: int) -> list[int]:
    """Indices of the ``k`` highest scores, best first (ties by index)."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [int(i) for i in order[:k]]


def dense_scores(
    doc_vectors: npt.NDArray[np.float32], query_vector: npt.NDArray[np.float32]
) -> npt.NDArray[np.float64]:
    """Cosine of unit vectors: ``(n, 384) @ (384,)`` → ``(n,)``."""
    return (doc_vectors @ query_vector).astype(np.float64)

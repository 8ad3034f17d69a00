"""Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kenning.store.port import ScoredId

#: The constant k of RRF; 60 is the value from the original paper, which found
#: results insensitive to it over a wide range.
RRF_K = 60


@dataclass(slots=True)
class Fused:
    """A fused item: its RRF score and, per channel, its (1-based rank, raw score)."""

    key: str
    score: float = 0.0
    channels: dict[str, tuple[int, float]] = field(default_factory=dict)


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[ScoredId]],
    weights: Mapping[str, float] | None = None,
    k: int = RRF_K,
) -> list[Fused]:
    """Fuse ranked lists: ``score(d) = Σ_c w_c / (k + rank_c(d))``.

    Args:
        rankings: Channel name → hits, best first. An id listed twice in one
            channel counts once, at its best rank.
        weights: Channel name → weight; missing channels weigh 1.0.
        k: The RRF constant.

    Returns:
        Fused items, best first; ties broken by key so the order is stable.
    """
    fused: dict[str, Fused] = {}
    for channel, hits in rankings.items():
        weight = 1.0 if weights is None else weights.get(channel, 1.0)
        rank = 0
        for hit in hits:
            item = fused.setdefault(hit.id, Fused(hit.id))
            if channel in item.channels:
                continue
            rank += 1
            item.channels[channel] = (rank, hit.score)
            item.score += weight / (k + rank)
    return sorted(fused.values(), key=lambda f: (-f.score, f.key))

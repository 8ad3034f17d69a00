"""Retrieval settings: channel weights and depths.

Defaults were chosen by ``benchmarks/locomo_retrieval.py`` on the LoCoMo
development split (6 conversations, 1,155 questions with evidence), tuning
turn-level Recall@10; see the README's Retrieval section. Each field is also a
``KENNING_SEARCH_*`` setting (config.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

#: Channel names as they appear in a hit's ``channels``.
CHANNELS = ("vector", "fulltext", "graph", "neighbourhood", "time")


def _default_weights() -> dict[str, float]:
    return {
        "vector": 1.0,
        "fulltext": 1.0,
        "graph": 0.2,
        "neighbourhood": 0.7,
        "time": 0.5,
    }


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """How the search service ranks.

    Attributes:
        weights: Channel → weight in reciprocal rank fusion (missing: 1.0).
            ``graph`` 0.2: on LoCoMo dev R@10 (search deterministic, same
            graph) 0.15 0.7547, 0.175 0.7545, 0.2 0.7552, 0.225 0.7540,
            0.25 0.7541, 0.3 0.7525; ``neighbourhood`` 0.6 0.7533, 0.7
            0.7541, 0.8 0.7535; ``time`` 0.4 0.7541 (at graph 0.25).
        rrf_k: The RRF constant. Cormack et al. (2009) used 60; with few
            channels a smaller k lets a channel's first hits count for more.
            On LoCoMo dev R@10: k 5 0.7515, 6 0.7496, 7 0.7541, 8 0.7537,
            10 0.7475 (differences of this size are near the noise).
        candidates: Hits each channel contributes before fusion.
        max_df_ratio: A query word in more than this share of a space's items
            is not listed by the full-text channel (its idf is near zero, and
            listing a speaker's name would return most of a conversation).
        max_postings: ... and in more than this many items, whatever the
            space's size, so a common word's cost stops growing with the
            space (Neo4j reads at most this many + 1 matches of a word;
            FalkorDB reads them all, see its fulltext_terms queries).
            Above LoCoMo's ``max_df_ratio`` × ~700 turns, so small spaces
            rank as before.
        entity_seeds: Most entities found by the vector channel that seed
            the graph channel.
        entity_min_similarity: Cosine an entity needs to be a seed.
        hop2_factor: Weight of a fact two hops from a seed against one hop.
        max_degree: Only entities with at most this many facts are expanded
            (hop 1 from a seed, hop 2 through a neighbour).
        max_mentions: A seed mentioned by more episodes (a speaker) only
            reranks the other channels' episodes instead of adding its own.
        neighbour_seeds: Best fused episodes whose neighbours get a bonus of
            ``weights["neighbourhood"] × seed score / distance``.
        neighbour_radius: Turns taken on each side of a seed episode.
        neighbour_window: Only episodes said this close to the seed are its
            neighbours (one conversation session).
        recency_weight: Fused score × (1 + w · r), r in [0, 1] from the oldest
            to the newest candidate; a weak prior.
        mmr_lambda: Relevance against novelty in MMR (1.0: no diversity).
        pool: Fused candidates (× top_k) that MMR chooses from.
    """

    weights: dict[str, float] = field(default_factory=_default_weights)
    rrf_k: int = 7
    candidates: int = 50
    max_df_ratio: float = 0.25
    max_postings: int = 1000
    entity_seeds: int = 5
    entity_min_similarity: float = 0.5
    hop2_factor: float = 0.5
    max_degree: int = 25
    max_mentions: int = 50
    neighbour_seeds: int = 30
    neighbour_radius: int = 1
    neighbour_window: timedelta = timedelta(hours=2)
    recency_weight: float = 0.0
    mmr_lambda: float = 0.7
    pool: int = 2


def merged_weights(overrides: dict[str, float]) -> dict[str, float]:
    """The default channel weights with ``overrides`` on top."""
    return {**_default_weights(), **overrides}

"""The connector's settings: :data:`DEFAULTS`, overridden by ``ctx.options``.

Each default, and where it comes from:

``max_degree`` (50)
    An entity with more distinct neighbours than this is a *hub* (the
    speaker of a conversation, "family" or "work" shared by everyone). Hubs
    are never the middle of a suggested link, count in no co-mention, and are
    left out of the cluster and bridge projection. It bounds candidate
    generation: a middle of degree d yields d(d-1)/2 pairs, so the work is
    at most ``max_degree / 2`` pairs per fact end. Twice the retrieval graph
    channel's ``search_max_degree`` (25), since an analysis may afford more
    work than a query; on LoCoMo conv-26 only the two speakers exceed it.
``max_mentions`` (10)
    An episode mentioning more entities than this (hubs left out) is no
    co-mention: a list or a summary says little about any one pair in it
    (its Adamic-Adar weight 1 / ln 11 is already below 0.42), and an episode
    of m mentions yields m(m-1)/2 pairs. With 50, the 100k-fact synthetic
    space (episodes of ~20 mentions) needed ~1.9M pair rows and Neo4j's
    default transaction memory (70 % of a 1 GB heap) refused the query.
``min_shared`` (2)
    A candidate pair shares at least this many neighbours, or this many
    co-mentioning episodes. Any two leaves of one star share one; two is the
    least that is more than coincidence.
``max_candidates`` (10,000)
    Most candidate pairs each signal (shared neighbours, co-mentions) sends
    back, strongest first, so a dense space does not ship every pair that
    shares two neighbours (~90k on the 100k-fact synthetic space).
``min_link_score`` (1.5)
    Adamic-Adar score a suggested link needs: three shared neighbours of
    degree 5 (3 / ln 5 = 1.86), or two of degree 3 (1.82), pass; two of
    degree 5 (1.24) do not.
``louvain_seed`` (42), ``louvain_resolution`` (1.0)
    The fixed seed that makes Louvain deterministic (with the nodes in key
    order), and networkx's default resolution (plain modularity).
``min_cluster_size`` (3)
    Smaller communities are a pair or a lone entity, not a cluster.
``betweenness_samples`` (256), ``betweenness_budget`` (500,000)
    Betweenness costs one breadth-first search per source entity. A
    component of at most 256 entities gets the exact value; a larger one is
    estimated from k seeded sources (networkx's ``k``), k = 256 but at most
    budget / edges (at least 8). Measured here: 11 sources over 25k entities
    and 85k edges took 22 s of networkx at load average 11.6 on 2 cores, so
    the 100k-fact space gets the minimum of 8 and a 10k-fact one (~8.5k
    edges) 58.
``min_betweenness`` (0.05)
    Normalised betweenness a bridge needs: 5 % of the shortest paths between
    other entities pass through it.
``min_participation`` (0.3)
    Participation coefficient a bridge needs (1 - sum over clusters of the
    squared share of its fact weight): 0.30 is where Guimera & Amaral (Nature
    2005) draw the line between a hub inside its module and a connector; an
    entity with a third of its facts outside its cluster is above it.
``min_occurrences`` (3)
    Distinct days a recurring pattern needs: two days give one gap, which is
    not yet a rhythm.
``max_gap_cv`` (0.5)
    Largest coefficient of variation (std / mean) of the gaps between those
    days: a rhythm's gaps are alike; 0.5 lets "every 3 to 5 weeks" through.
``max_per_kind`` (50)
    Most insights of one kind a run proposes, best first, so a huge space
    yields a readable list.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from kenning.errors import InputError

DEFAULTS: dict[str, int | float] = {
    "max_degree": 50,
    "max_mentions": 10,
    "min_shared": 2,
    "max_candidates": 10_000,
    "min_link_score": 1.5,
    "louvain_seed": 42,
    "louvain_resolution": 1.0,
    "min_cluster_size": 3,
    "betweenness_samples": 256,
    "betweenness_budget": 500_000,
    "min_betweenness": 0.05,
    "min_participation": 0.3,
    "min_occurrences": 3,
    "max_gap_cv": 0.5,
    "max_per_kind": 50,
}


@dataclass(frozen=True, slots=True)
class ConnectorOptions:
    """The connector's settings (see the module text for each default)."""

    max_degree: int
    max_mentions: int
    min_shared: int
    max_candidates: int
    min_link_score: float
    louvain_seed: int
    louvain_resolution: float
    min_cluster_size: int
    betweenness_samples: int
    betweenness_budget: int
    min_betweenness: float
    min_participation: float
    min_occurrences: int
    max_gap_cv: float
    max_per_kind: int

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> ConnectorOptions:
        """:data:`DEFAULTS` with the known keys of ``options`` on top (other
        keys belong to other agents and are ignored).

        Raises:
            InputError: a value is not a number, or is negative.
        """
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = options.get(f.name, DEFAULTS[f.name])
            kind = int if isinstance(DEFAULTS[f.name], int) else float
            if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
                raise InputError(
                    f"connector option {f.name} must be a number >= 0", field=f"options.{f.name}"
                )
            values[f.name] = kind(raw)
        return cls(**values)

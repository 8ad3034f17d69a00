"""The connector agent: suggested links, clusters, bridges and recurring
patterns from the space's graph structure and dates. It never changes the
graph.

Four analyses, each in its own module:

- ``suggested_link`` (links.py): pairs with no current fact but a strong
  shared neighbourhood or co-mention, scored by Adamic-Adar (why not
  Jaccard: see links.py); candidate pairs from two-hop Cypher patterns whose
  middles are bounded by degree, so hubs add no work.
- ``cluster`` (clusters.py): Louvain communities (networkx, fixed seed) of
  the space's current facts projected by one Cypher query onto an
  undirected graph weighted by fact count (projection.py). FalkorDB
  ``algo.*`` and Neo4j GDS would each cluster in their own way, so one
  library algorithm over one projection gives the same clusters on both
  engines.
- ``bridge`` (clusters.py): entities touching two or more clusters with high
  betweenness (networkx, normalised, seeded sampling on big spaces) and
  participation.
- ``recurring_pattern`` (recurring.py): a (subject, predicate, object)
  stated on several days at a regular rhythm; the period is the median gap.

Settings come from ``ctx.options`` over :data:`~.options.DEFAULTS` (each
default is explained in options.py). Hubs (more than ``max_degree``
neighbours, e.g. a conversation's speaker) are left out of the projection:
they would join every community and lie on every shortest path.
"""

from __future__ import annotations

import time
from typing import Any

from kenning.agents.connector.clusters import bridge_insights, cluster_insights, find_clusters
from kenning.agents.connector.links import candidates, link_insights
from kenning.agents.connector.options import DEFAULTS, ConnectorOptions
from kenning.agents.connector.projection import Projection, project
from kenning.agents.connector.recurring import pattern_insights
from kenning.agents.models import AgentContext, AgentOutcome, InsightDraft
from kenning.store.connector_port import FactPair

__all__ = ["DEFAULTS", "ConnectorOptions", "run_connector"]


def _best(drafts: list[InsightDraft], limit: int) -> list[InsightDraft]:
    """The ``limit`` best drafts: highest score, then by title (a total,
    engine-independent order)."""
    return sorted(drafts, key=lambda d: (-d.score, d.title, d.fingerprint))[:limit]


class _Laps:
    """Milliseconds per step of a run, for its stats."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._clock = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.ms[name] = round((now - self._clock) * 1000, 1)
        self._clock = now


async def run_connector(ctx: AgentContext) -> AgentOutcome:
    """Analyse ``ctx.scope``; never changes the graph.

    Returns:
        Insight drafts of the four kinds (at most ``max_per_kind`` each, best
        first) and stats: counts per kind, the projection's size, hubs left
        out, candidate pairs, and ms per query and analysis.

    Raises:
        InputError: an option in ``ctx.options`` is not a number >= 0.
        StoreUnavailable: the store did not answer (retryable).
    """
    opts = ConnectorOptions.from_options(ctx.options)
    lap = _Laps()
    pairs = await ctx.store.connector_projection(ctx.scope)
    lap("projection_query")
    projection = project(pairs, opts.max_degree)
    links, candidates_found = await _links(ctx, opts, pairs, projection, lap)
    clusters = find_clusters(projection, opts)
    cluster_drafts = _best(cluster_insights(projection, clusters), opts.max_per_kind)
    lap("cluster")
    bridges = _best(bridge_insights(projection, clusters, opts), opts.max_per_kind)
    lap("bridge")
    restated = await ctx.store.connector_restated_facts(ctx.scope, opts.min_occurrences)
    lap("restated_facts_query")
    patterns = _best(pattern_insights(restated, ctx.now, opts), opts.max_per_kind)
    lap("recurring_pattern")
    insights = [*links, *cluster_drafts, *bridges, *patterns]
    stats: dict[str, Any] = {
        "insights": {k: sum(1 for d in insights if d.kind == k) for k in _KINDS},
        "entities_projected": projection.graph.number_of_nodes(),
        "edges_projected": projection.graph.number_of_edges(),
        "hubs": [h.name for h in projection.hubs[:20]],
        "hub_count": len(projection.hubs),
        "link_candidates": candidates_found,
        "clusters_found": len(clusters),
        "restated_facts": len(restated),
        "ms": lap.ms,
    }
    return AgentOutcome(insights=insights, stats=stats)


async def _links(
    ctx: AgentContext,
    opts: ConnectorOptions,
    pairs: list[FactPair],
    projection: Projection,
    lap: _Laps,
) -> tuple[list[InsightDraft], int]:
    """Suggested links and how many candidate pairs were weighed."""
    bounds = (opts.max_degree, opts.min_shared, opts.max_candidates)
    shared = await ctx.store.connector_shared_neighbours(ctx.scope, *bounds)
    lap("shared_neighbours_query")
    hubs = [h.id for h in projection.hubs]
    mentions = (opts.max_mentions, opts.min_shared, opts.max_candidates)
    comentions = await ctx.store.connector_comentions(ctx.scope, *mentions, hubs)
    lap("comentions_query")
    found = candidates(shared, comentions, projection.linked)
    names = {r.id: r.name for p in pairs for r in (p.source, p.target)}
    links = _best(link_insights(found, names, opts), opts.max_per_kind)
    lap("suggested_link")
    return links, len(found)


_KINDS = ("suggested_link", "cluster", "bridge", "recurring_pattern")

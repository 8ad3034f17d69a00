"""``cluster`` and ``bridge`` insights from the projection (see projection.py).

A cluster is a Louvain community of at least ``min_cluster_size`` entities;
its score is its cohesion (the share of its members' facts that stay
inside). A bridge is an entity whose facts reach at least two clusters, with
normalised betweenness of at least ``min_betweenness`` and a participation
coefficient of at least ``min_participation``; its score is its betweenness.
"""

from __future__ import annotations

from dataclasses import dataclass

from kenning.agents.connector.options import ConnectorOptions
from kenning.agents.connector.projection import (
    Projection,
    betweenness,
    cohesion,
    communities,
    participation,
)
from kenning.agents.models import InsightDraft, fingerprint

#: Most members an insight lists as evidence (``entity_ids`` become ABOUT
#: relationships); the fingerprint and ``data.size`` cover all of them.
MAX_EVIDENCE = 100


@dataclass(frozen=True, slots=True)
class Cluster:
    """A reported community: node numbers (best connected first), fingerprint."""

    members: list[int]
    fingerprint: str
    cohesion: float


def find_clusters(projection: Projection, opts: ConnectorOptions) -> list[Cluster]:
    """The communities of at least ``min_cluster_size`` entities."""
    graph, refs = projection.graph, projection.refs
    found = []
    for members in communities(projection, opts.louvain_seed, opts.louvain_resolution):
        if len(members) < opts.min_cluster_size:
            continue
        inside = set(members)
        strength = {
            u: sum(float(d.get("weight", 1)) for v, d in graph[u].items() if v in inside)
            for u in members
        }
        ranked = sorted(members, key=lambda u: (-strength[u], refs[u].key))
        ids = [refs[u].id for u in members]
        found.append(Cluster(ranked, fingerprint("cluster", *ids), cohesion(graph, members)))
    return found


def cluster_insights(projection: Projection, clusters: list[Cluster]) -> list[InsightDraft]:
    """One insight per cluster."""
    refs = projection.refs
    drafts = []
    for c in clusters:
        names = [refs[u].name for u in c.members]
        head = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        listed = ", ".join(names[:30]) + (f" and {len(names) - 30} more" if len(names) > 30 else "")
        body = (
            f"A community of {len(names)} entities found by Louvain modularity "
            "(networkx, fixed seed) over the space's current facts, weighted by "
            f"fact count. {c.cohesion:.0%} of its members' facts stay inside it.\n\n"
            f"Members, best connected first: {listed}."
        )
        drafts.append(
            InsightDraft(
                agent="connector",
                kind="cluster",
                title=f"Cluster of {len(names)}: {head}"[:300],
                body=body,
                score=round(c.cohesion, 6),
                fingerprint=c.fingerprint,
                entity_ids=[refs[u].id for u in c.members[:MAX_EVIDENCE]],
                data={"size": len(names), "cohesion": round(c.cohesion, 6)},
            )
        )
    return drafts


def bridge_insights(
    projection: Projection, clusters: list[Cluster], opts: ConnectorOptions
) -> list[InsightDraft]:
    """Entities whose facts connect clusters, highest betweenness first."""
    graph = projection.graph
    if len(clusters) < 2:
        return []
    label: dict[int, int] = {}
    for n, c in enumerate(clusters):
        label.update({u: n for u in c.members})
    # Entities outside every reported cluster form their own community each.
    full = {u: label.get(u, len(clusters) + u) for u in graph.nodes}
    central = betweenness(
        graph, opts.betweenness_samples, opts.betweenness_budget, opts.louvain_seed
    )
    drafts = []
    for u in graph.nodes:
        touched = {label[v] for v in [u, *graph[u]] if v in label}
        if len(touched) < 2 or central[u] < opts.min_betweenness:
            continue
        share = participation(graph, u, full)
        if share < opts.min_participation:
            continue
        drafts.append(_bridge(projection, clusters, u, touched, label, central[u], share))
    return drafts


def _bridge(
    projection: Projection,
    clusters: list[Cluster],
    u: int,
    touched: set[int],
    label: dict[int, int],
    central: float,
    share: float,
) -> InsightDraft:
    graph, refs = projection.graph, projection.refs
    own = label.get(u)
    outside = sorted(
        (v for v in graph[u] if v in label and label[v] != own), key=lambda v: refs[v].key
    )
    parts = []
    for n in sorted(touched):
        heads = [refs[v].name for v in clusters[n].members[:3]]
        parts.append(f"the cluster of {len(clusters[n].members)} around {', '.join(heads)}")
    name = refs[u].name
    body = (
        f"{name} connects {len(touched)} clusters: {'; '.join(parts)}. "
        f"Normalised betweenness {central:.3f} (the share of shortest paths between "
        f"other entities through {name}); participation coefficient {share:.2f} "
        "(how evenly its facts spread over clusters). Neighbours in other clusters: "
        f"{', '.join(refs[v].name for v in outside[:10])}."
    )
    return InsightDraft(
        agent="connector",
        kind="bridge",
        title=f"{name} bridges {len(touched)} clusters"[:300],
        body=body,
        score=round(min(1.0, central), 6),
        fingerprint=fingerprint("bridge", refs[u].id),
        entity_ids=[refs[u].id, *(refs[v].id for v in outside[:10])],
        data={
            "betweenness": round(central, 6),
            "participation": round(share, 6),
            "clusters": sorted(clusters[n].fingerprint for n in touched),
        },
    )

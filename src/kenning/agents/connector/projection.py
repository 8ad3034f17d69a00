"""The space's current facts as one undirected weighted graph, and the
communities and bridges found in it with networkx.

One Cypher query projects the facts; networkx runs the algorithms. FalkorDB's
``algo.*`` procedures and Neo4j GDS would each give their own answer (GDS is
not even installed everywhere), so one library algorithm over one projection
is what makes the clusters the same on both engines for the same graph.
Determinism: nodes are numbered in order of their entity key (unique per
space and the same on every engine, unlike ids), edges are added in that
order, and Louvain and sampled betweenness get a fixed seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from kenning.store.connector_port import FactPair, NamedRef


@dataclass(slots=True)
class Projection:
    """Entities (numbered in key order) and the weighted undirected graph of
    their current facts, hubs left out.

    Attributes:
        refs: Entity of each node number.
        graph: Nodes are numbers; edge ``weight`` counts facts either way.
        linked: Every unordered pair of entity ids with a current fact, hubs
            included (a suggested link must not be one of them).
        hubs: Entities with more than ``max_degree`` distinct neighbours.
    """

    refs: list[NamedRef] = field(default_factory=list)
    graph: nx.Graph = field(default_factory=nx.Graph)
    linked: set[frozenset[str]] = field(default_factory=set)
    hubs: list[NamedRef] = field(default_factory=list)


def project(pairs: list[FactPair], max_degree: int) -> Projection:
    """Build the projection from the store's fact pairs (any order)."""
    weights: dict[tuple[str, str], int] = {}
    refs: dict[str, NamedRef] = {}
    neighbours: dict[str, set[str]] = {}
    for p in pairs:
        refs[p.source.id], refs[p.target.id] = p.source, p.target
        a, b = sorted((p.source.id, p.target.id))
        key = (a, b)
        weights[key] = weights.get(key, 0) + p.facts
        neighbours.setdefault(p.source.id, set()).add(p.target.id)
        neighbours.setdefault(p.target.id, set()).add(p.source.id)
    hubs = {i for i, ns in neighbours.items() if len(ns) > max_degree}
    # Entities whose only facts are with hubs would be isolated nodes: they
    # can be in no cluster and bridge nothing, and would dilute normalisation.
    kept = sorted(
        (r for i, r in refs.items() if i not in hubs and neighbours[i] - hubs),
        key=lambda r: (r.key, r.id),
    )
    number = {r.id: n for n, r in enumerate(kept)}
    graph = nx.Graph()
    graph.add_nodes_from(range(len(kept)))
    edges = sorted(
        (min(number[a], number[b]), max(number[a], number[b]), w)
        for (a, b), w in weights.items()
        if a in number and b in number
    )
    graph.add_weighted_edges_from(edges)
    return Projection(
        refs=kept,
        graph=graph,
        linked={frozenset(k) for k in weights},
        hubs=sorted((refs[i] for i in hubs), key=lambda r: r.key),
    )


def communities(projection: Projection, seed: int, resolution: float) -> list[list[int]]:
    """Louvain communities (networkx, weighted by fact count, fixed seed), each
    a sorted list of node numbers; largest first, then by first member."""
    if projection.graph.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(
        projection.graph, weight="weight", resolution=resolution, seed=seed
    )
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def cohesion(graph: nx.Graph, members: list[int]) -> float:
    """Share of the members' fact weight that stays inside the community
    (0..1; 1 for a community with no fact leaving it)."""
    inside = set(members)
    internal = boundary = 0.0
    for u in members:
        for v, data in graph[u].items():
            w = float(data.get("weight", 1))
            if v in inside:
                internal += w / 2  # each internal edge is seen from both ends
            else:
                boundary += w
    total = internal + boundary
    return internal / total if total else 0.0


def betweenness(graph: nx.Graph, samples: int, budget: int, seed: int) -> dict[int, float]:
    """Betweenness of every node, unweighted (a fact is a hop whatever its
    count), normalised within its connected component (a bridge connects
    clusters of its own component; other components would only dilute it).

    Exact for a component of at most ``samples`` nodes; otherwise estimated
    from k seeded source nodes (networkx's ``k``), k = ``samples`` but no more
    than ``budget`` / edges (each source costs one breadth-first search over
    the component) and at least 8.
    """
    result: dict[int, float] = {}
    for nodes in sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: c[0]):
        if len(nodes) < 3:
            result.update({u: 0.0 for u in nodes})
            continue
        # A copy, not a view: a subgraph view filters every neighbour lookup.
        part = graph if len(nodes) == graph.number_of_nodes() else graph.subgraph(nodes).copy()
        k = min(samples, max(8, budget // max(1, part.number_of_edges())))
        sources = k if k < len(nodes) else None
        result.update(nx.betweenness_centrality(part, k=sources, normalized=True, seed=seed))
    return result


def participation(graph: nx.Graph, node: int, label: dict[int, int]) -> float:
    """Participation coefficient: 1 - sum over communities of the squared
    share of the node's fact weight going there (0: all in one community)."""
    shares: dict[int, float] = {}
    total = 0.0
    for v, data in graph[node].items():
        w = float(data.get("weight", 1))
        shares[label[v]] = shares.get(label[v], 0.0) + w
        total += w
    if not total:
        return 0.0
    return 1.0 - sum((s / total) ** 2 for s in shares.values())

"""Reading the memory graph: entities, fact listings, neighbourhoods, paths.

The use case behind GraphQL and ``GET /v1/graph``; it checks limits, fills in
"now" for times the caller leaves out, and never issues more than a fixed
number of store queries per call, whatever the size of the answer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from kenning.access.sharing import shared_centres, walk
from kenning.domain.ids import entity_key, predicate_key
from kenning.domain.models import NO_CATEGORY, CategoryFilter, Entity, Scope
from kenning.errors import InputError, NotFound
from kenning.graph.paths import IdPath, shortest_paths
from kenning.store.graph_port import (
    NEIGHBORHOOD_DEPTHS,
    EntityFilter,
    FactEdge,
    FactFilter,
    NeighborhoodEdge,
    Step,
    TimeFilter,
)
from kenning.store.port import GraphStore
from kenning.store.teams_port import SharedScope

#: Largest page of a listing (GraphQL ``first``).
MAX_PAGE_SIZE = 100
#: Most facts in one neighbourhood or ``GET /v1/graph`` answer.
MAX_GRAPH_EDGES = 500
#: Deepest neighbourhood, in hops.
MAX_NEIGHBORHOOD_DEPTH = max(NEIGHBORHOOD_DEPTHS)
#: Longest path searched, in facts.
MAX_PATH_DEPTH = 4
#: Most shortest paths returned by one query.
MAX_PATHS = 20
#: Most steps one breadth-first level may return before the search gives up
#: on completeness (protects the server from a runaway hub).
MAX_STEPS_PER_LEVEL = 20_000


@dataclass(frozen=True, slots=True)
class GraphNode:
    """An entity of a subgraph and its distance (hops) from the centre."""

    entity: Entity
    distance: int


@dataclass(frozen=True, slots=True)
class Subgraph:
    """Nodes and edges ready for a graph view; ``truncated`` when a limit cut it."""

    nodes: list[GraphNode]
    edges: list[FactEdge]
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class GraphPath:
    """A path: ``len(edges) + 1`` entities, in order, and the facts between them."""

    nodes: list[Entity]
    edges: list[FactEdge]


def check_range(name: str, value: int, low: int, high: int) -> int:
    """``value`` if ``low <= value <= high``.

    Raises:
        InputError: out of range; ``field`` is ``name``.
    """
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low} and {high}, got {value}", field=name)
    return value


def time_filter(as_of: datetime | None, known_at: datetime | None) -> TimeFilter:
    """Valid and transaction time to filter by; "now" for each one left out."""
    return TimeFilter.resolve(as_of, known_at)


def normalise_predicates(predicates: Iterable[str] | None) -> list[str] | None:
    """Predicates as stored (snake_case), or ``None`` for "any"."""
    if predicates is None:
        return None
    keys = [predicate_key(p) for p in predicates]
    return [k for k in keys if k]


class GraphService:
    """Entity look-ups, listings, neighbourhoods and shortest paths.

    Args:
        store: The graph store.
    """

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def entity(
        self, scope: Scope, *, id: str | None = None, name: str | None = None
    ) -> Entity:
        """The entity with ``id``, or else the one whose normalised name is ``name``.

        Raises:
            InputError: neither or both of ``id`` and ``name`` given.
            NotFound: no such entity in the space.
        """
        if (id is None) == (name is None):
            raise InputError("give exactly one of id and name", field="id")
        if id is not None:
            found = await self._store.entities_by_id(scope, [id])
        else:
            found = await self._store.entities_by_key(scope, [entity_key(name or "")])
        if not found:
            raise NotFound(f"no entity {id or name!r} in space {scope.space!r}")
        return found[0]

    async def entities(
        self, scope: Scope, where: EntityFilter, first: int, after: str
    ) -> tuple[list[Entity], bool]:
        """A page of matching entities in id order and whether more follow."""
        check_range("first", first, 1, MAX_PAGE_SIZE)
        rows = await self._store.find_entities(scope, where, after, first + 1)
        return rows[:first], len(rows) > first

    async def facts(
        self,
        scope: Scope,
        where: FactFilter,
        at: TimeFilter,
        first: int,
        after: str,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> tuple[list[FactEdge], bool]:
        """A page of matching facts (of ``categories``; default any) in id
        order and whether more follow."""
        check_range("first", first, 1, MAX_PAGE_SIZE)
        rows = await self._store.find_facts(
            scope, where, at, after, first + 1, categories=categories
        )
        return rows[:first], len(rows) > first

    async def neighborhood(
        self,
        scope: Scope,
        center: Entity,
        depth: int,
        predicates: list[str] | None,
        at: TimeFilter,
        limit: int,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> Subgraph:
        """Facts within ``depth`` hops of ``center``, nearest first, in one
        query; every fact on the way of ``categories`` (default: any).

        Raises:
            InputError: ``depth`` outside 1..3 or ``limit`` outside 1..500.
        """
        check_range("depth", depth, 1, MAX_NEIGHBORHOOD_DEPTH)
        check_range("limit", limit, 1, MAX_GRAPH_EDGES)
        rows = await self._store.neighborhood(
            scope, center.id, depth, predicates, at, limit + 1, categories=categories
        )
        kept = rows[:limit]
        return Subgraph(_nodes(center, kept), [r.edge for r in kept], truncated=len(rows) > limit)

    async def shared_neighborhood(
        self,
        scope: Scope,
        shared: SharedScope,
        entity: str,
        depth: int,
        predicates: list[str] | None,
        at: TimeFilter,
        limit: int,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> Subgraph | None:
        """Shared facts within ``depth`` hops of the shared entities ``entity``
        names (an id, or else a name), walked over the shared facts only, so
        never beyond what a share allows; None when it names none.

        Raises:
            InputError: ``depth`` outside 1..3 or ``limit`` outside 1..500.
        """
        check_range("depth", depth, 1, MAX_NEIGHBORHOOD_DEPTH)
        check_range("limit", limit, 1, MAX_GRAPH_EDGES)
        if not shared:
            return None
        edges = await self._store.shared_facts(
            scope.tenant, shared, shared.ids, at, categories=categories
        )
        if predicates is not None:
            edges = [e for e in edges if e.edge.fact.predicate in predicates]
        centres = shared_centres(edges, entity)
        if not centres:
            return None
        rows = walk(edges, [c.id for c in centres], depth, limit + 1)
        kept = rows[:limit]
        distance = {c.id: 0 for c in centres}
        ends = {c.id: c for c in centres}
        for row in kept:  # nearest first, so the first hop seen is the distance
            for end in (row.subject, row.object):
                ends.setdefault(end.id, end)
                distance.setdefault(end.id, row.hop)
        nodes = [GraphNode(ends[i], d) for i, d in distance.items()]
        return Subgraph(nodes, [r.edge for r in kept], truncated=len(rows) > limit)

    async def paths(
        self,
        scope: Scope,
        source: Entity,
        target: Entity,
        max_depth: int,
        predicates: list[str] | None,
        at: TimeFilter,
        limit: int,
    ) -> list[GraphPath]:
        """Every shortest path (at most ``limit``) of at most ``max_depth`` facts.

        Uses at most ``max_depth`` step queries plus two to load the result.

        Raises:
            InputError: ``max_depth`` outside 1..4 or ``limit`` outside 1..20.
        """
        check_range("maxDepth", max_depth, 1, MAX_PATH_DEPTH)
        check_range("limit", limit, 1, MAX_PATHS)
        expand = partial(self._expand, scope, predicates, at)
        found = await shortest_paths(expand, source.id, target.id, max_depth, limit)
        return await self._load_paths(scope, found)

    async def subgraph_of_facts(self, scope: Scope, fact_ids: list[str]) -> Subgraph:
        """The facts with ``fact_ids`` (in that order) and their entities; every
        node has distance 0 (there is no centre)."""
        edges = {e.fact.id: e for e in await self._store.fact_edges(scope, fact_ids)}
        ordered = [edges[i] for i in fact_ids if i in edges]
        ids = list(dict.fromkeys(i for e in ordered for i in (e.subject_id, e.object_id)))
        entities = {e.id: e for e in await self._store.entities_by_id(scope, ids)}
        nodes = [GraphNode(entities[i], 0) for i in ids if i in entities]
        return Subgraph(nodes, ordered)

    async def _expand(
        self, scope: Scope, predicates: list[str] | None, at: TimeFilter, ids: list[str]
    ) -> list[Step]:
        return await self._store.expand(scope, ids, predicates, at, MAX_STEPS_PER_LEVEL)

    async def _load_paths(self, scope: Scope, found: list[IdPath]) -> list[GraphPath]:
        fact_ids = list({f for p in found for f in p.fact_ids})
        node_ids = list({n for p in found for n in p.node_ids})
        edges = {e.fact.id: e for e in await self._store.fact_edges(scope, fact_ids)}
        nodes = {e.id: e for e in await self._store.entities_by_id(scope, node_ids)}
        return [
            GraphPath([nodes[n] for n in p.node_ids], [edges[f] for f in p.fact_ids])
            for p in found
            if all(n in nodes for n in p.node_ids) and all(f in edges for f in p.fact_ids)
        ]


def merge_subgraphs(first: Subgraph | None, second: Subgraph | None) -> Subgraph | None:
    """Both subgraphs as one (nodes and edges once each, ``first``'s first)."""
    if first is None or second is None:
        return first or second
    nodes = {n.entity.id: n for n in second.nodes} | {n.entity.id: n for n in first.nodes}
    edges = {e.fact.id: e for e in second.edges} | {e.fact.id: e for e in first.edges}
    ordered = sorted(nodes.values(), key=lambda n: (n.distance, n.entity.name))
    return Subgraph(ordered, list(edges.values()), first.truncated or second.truncated)


def _nodes(center: Entity, rows: list[NeighborhoodEdge]) -> list[GraphNode]:
    """Entities of ``rows`` with their hop distance from ``center`` (BFS over the
    returned edges), centre first, then by distance."""
    entities = {center.id: center}
    adjacent: dict[str, set[str]] = {}
    for row in rows:
        entities.setdefault(row.subject.id, row.subject)
        entities.setdefault(row.object.id, row.object)
        adjacent.setdefault(row.subject.id, set()).add(row.object.id)
        adjacent.setdefault(row.object.id, set()).add(row.subject.id)
    distance = {center.id: 0}
    queue = deque([center.id])
    while queue:
        here = queue.popleft()
        for there in sorted(adjacent.get(here, ())):
            if there not in distance:
                distance[there] = distance[here] + 1
                queue.append(there)
    for row in rows:  # a limit can cut the way in; the query's hop still holds
        for end in (row.subject.id, row.object.id):
            distance.setdefault(end, row.hop)
    order = sorted(distance, key=lambda i: (distance[i], entities[i].name))
    return [GraphNode(entities[i], distance[i]) for i in order]

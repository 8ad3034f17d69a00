"""Shortest paths by bidirectional breadth-first search over store steps.

The store answers one step at a time (:meth:`GraphReadStore.expand`), so the
search asks at most ``max_depth`` queries whatever the size of the graph, and
the validity filter applies to every fact on the way. (Cypher's
``allShortestPaths`` is no substitute: FalkorDB applies a ``WHERE`` on the
path's relationships only after choosing the shortest paths, so a path valid
at ``asOf`` is missed whenever a shorter one is not valid then.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from kenning.store.graph_port import Step

Expand = Callable[[list[str]], Awaitable[list[Step]]]


@dataclass(frozen=True, slots=True)
class IdPath:
    """A path as entity ids (``len(fact_ids) + 1`` of them) and fact ids."""

    node_ids: list[str]
    fact_ids: list[str]


@dataclass(slots=True)
class _Side:
    """One end of the search: distances and every shortest-path parent step."""

    dist: dict[str, int]
    parents: dict[str, list[Step]] = field(default_factory=dict)
    frontier: list[str] = field(default_factory=list)
    level: int = 0

    async def grow(self, expand: Expand) -> None:
        """Expand the whole frontier by one level."""
        reached: list[str] = []
        nxt = self.level + 1
        for step in await expand(self.frontier):
            if step.to_id == step.from_id:
                continue
            known = self.dist.get(step.to_id)
            if known is None:
                self.dist[step.to_id] = nxt
                reached.append(step.to_id)
                known = nxt
            if known == nxt:
                self.parents.setdefault(step.to_id, []).append(step)
        self.frontier, self.level = reached, nxt


async def shortest_paths(
    expand: Expand, source: str, target: str, max_depth: int, limit: int
) -> list[IdPath]:
    """All shortest paths (at most ``limit``) of length ≤ ``max_depth``.

    Args:
        expand: One breadth-first step from a list of entity ids.
        source: Entity id where paths start.
        target: Entity id where paths end.
        max_depth: Longest path wanted, in facts.
        limit: Most paths returned.

    Returns:
        Paths from ``source`` to ``target``, or ``[]`` when none is that short.
    """
    if source == target:
        return [IdPath([source], [])]
    ends = _Side({source: 0}, frontier=[source]), _Side({target: 0}, frontier=[target])
    while ends[0].level + ends[1].level < max_depth and ends[0].frontier and ends[1].frontier:
        # Grow the smaller frontier: fewer rows for the same progress.
        side = min(ends, key=lambda s: len(s.frontier))
        await side.grow(expand)
        meet = ends[0].dist.keys() & ends[1].dist.keys()
        if meet:
            return _join(ends[0], ends[1], meet, limit)
    return []


def _join(start: _Side, end: _Side, meet: set[str], limit: int) -> list[IdPath]:
    length = min(start.dist[m] + end.dist[m] for m in meet)
    found: list[IdPath] = []
    for middle in sorted(m for m in meet if start.dist[m] + end.dist[m] == length):
        for head in _walk(start, middle, limit):
            for tail in _walk(end, middle, limit):
                nodes = head.node_ids + tail.node_ids[::-1][1:]
                found.append(IdPath(nodes, head.fact_ids + tail.fact_ids[::-1]))
                if len(found) == limit:
                    return found
    return found


def _walk(side: _Side, node: str, limit: int) -> list[IdPath]:
    """Up to ``limit`` paths from the side's origin to ``node``."""
    if side.dist[node] == 0:
        return [IdPath([node], [])]
    paths: list[IdPath] = []
    for step in side.parents.get(node, []):
        for prefix in _walk(side, step.from_id, limit - len(paths)):
            paths.append(IdPath([*prefix.node_ids, node], [*prefix.fact_ids, step.fact_id]))
            if len(paths) == limit:
                return paths
    return paths

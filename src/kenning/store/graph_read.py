"""The graph-read queries of :class:`~kenning.store.graph_port.GraphReadStore`,
written once for both engines and mixed into ``CypherStore``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from kenning.domain.models import NO_CATEGORY, STORED, CategoryFilter, Entity, Fact, Scope
from kenning.errors import InputError
from kenning.store.graph_port import (
    NEIGHBORHOOD_DEPTHS,
    EntityFilter,
    FactEdge,
    FactFilter,
    NeighborhoodEdge,
    Step,
    TimeFilter,
)

Row = dict[str, Any]

#: The queries this mixin runs; the store's loader requires them at start.
GRAPH_READ_QUERIES = (
    "graph_entities_by_id",
    "graph_entities_by_key",
    "graph_find_entities",
    "graph_count_entities",
    "graph_find_facts",
    "graph_count_facts",
    "graph_fact_edges",
    "graph_facts_of_entities",
    "graph_expand",
    *(f"graph_neighborhood_{d}" for d in NEIGHBORHOOD_DEPTHS),
)

# Depth → query name: the only way a number picks query text (never formatted).
_NEIGHBORHOOD_QUERY = {d: f"graph_neighborhood_{d}" for d in NEIGHBORHOOD_DEPTHS}


class GraphReadMixin:
    """Implements the graph reads on top of ``CypherStore``'s helpers."""

    if TYPE_CHECKING:  # provided by CypherStore

        async def _query(self, name: str, params: Row, *, write: bool = False) -> list[Row]: ...

        def _times(self, row: Row) -> Row: ...

        def _fact(self, row: Row) -> Fact: ...

        @staticmethod
        def _scope(scope: Scope) -> Row: ...

    def _entity(self, row: Row) -> Entity:
        data = self._times(row)
        data["aliases"] = list(data.get("aliases") or [])
        return Entity.model_validate(data, context=STORED)

    def _edge(self, row: Row) -> FactEdge:
        return FactEdge(self._fact(row["fact"]), row["subject_id"], row["object_id"])

    async def entities_by_id(self, scope: Scope, ids: list[str]) -> list[Entity]:
        """See :meth:`GraphReadStore.entities_by_id`."""
        rows = await self._query("graph_entities_by_id", {**self._scope(scope), "ids": ids})
        return [self._entity(r["entity"]) for r in rows]

    async def entities_by_key(self, scope: Scope, keys: list[str]) -> list[Entity]:
        """See :meth:`GraphReadStore.entities_by_key`."""
        rows = await self._query("graph_entities_by_key", {**self._scope(scope), "keys": keys})
        return [self._entity(r["entity"]) for r in rows]

    async def find_entities(
        self, scope: Scope, where: EntityFilter, after: str, limit: int
    ) -> list[Entity]:
        """See :meth:`GraphReadStore.find_entities`."""
        params = {**self._scope(scope), **_entity_filter(where), "after": after, "limit": limit}
        rows = await self._query("graph_find_entities", params)
        return [self._entity(r["entity"]) for r in rows]

    async def count_entities(self, scope: Scope, where: EntityFilter) -> int:
        """See :meth:`GraphReadStore.count_entities`."""
        params = {**self._scope(scope), **_entity_filter(where)}
        return int((await self._query("graph_count_entities", params))[0]["total"])

    async def find_facts(
        self,
        scope: Scope,
        where: FactFilter,
        at: TimeFilter,
        after: str,
        limit: int,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[FactEdge]:
        """See :meth:`GraphReadStore.find_facts`."""
        params = {**self._scope(scope), **asdict(where), **asdict(at), **categories.params()}
        rows = await self._query("graph_find_facts", {**params, "after": after, "limit": limit})
        return [self._edge(r) for r in rows]

    async def count_facts(
        self,
        scope: Scope,
        where: FactFilter,
        at: TimeFilter,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> int:
        """See :meth:`GraphReadStore.count_facts`."""
        params = {**self._scope(scope), **asdict(where), **asdict(at), **categories.params()}
        return int((await self._query("graph_count_facts", params))[0]["total"])

    async def fact_edges(self, scope: Scope, ids: list[str]) -> list[FactEdge]:
        """See :meth:`GraphReadStore.fact_edges`."""
        rows = await self._query("graph_fact_edges", {**self._scope(scope), "ids": ids})
        return [self._edge(r) for r in rows]

    async def facts_of_entities(
        self,
        scope: Scope,
        ids: list[str],
        predicates: list[str] | None,
        at: TimeFilter,
        limit: int,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> dict[str, list[FactEdge]]:
        """See :meth:`GraphReadStore.facts_of_entities`."""
        params = {**self._scope(scope), "ids": ids, "predicates": predicates, **asdict(at)}
        params.update(categories.params())
        rows = await self._query("graph_facts_of_entities", {**params, "limit": limit})
        found: dict[str, list[FactEdge]] = defaultdict(list)
        for row in rows:
            found[row["entity_id"]].append(self._edge(row))
        # collect() does not promise order on every engine; newest (largest id) first.
        return {k: sorted(v, key=lambda e: e.fact.id, reverse=True) for k, v in found.items()}

    async def neighborhood(
        self,
        scope: Scope,
        center_id: str,
        depth: int,
        predicates: list[str] | None,
        at: TimeFilter,
        limit: int,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[NeighborhoodEdge]:
        """See :meth:`GraphReadStore.neighborhood`."""
        name = _NEIGHBORHOOD_QUERY.get(depth)
        if name is None:
            raise InputError(f"depth must be one of {NEIGHBORHOOD_DEPTHS}", field="depth")
        params = {**self._scope(scope), "id": center_id, "predicates": predicates}
        params.update(categories.params())
        rows = await self._query(name, {**params, **asdict(at), "limit": limit})
        return [
            NeighborhoodEdge(
                FactEdge(self._fact(r["fact"]), r["subject"]["id"], r["object"]["id"]),
                self._entity(r["subject"]),
                self._entity(r["object"]),
                int(r["hop"]),
            )
            for r in rows
        ]

    async def expand(
        self,
        scope: Scope,
        ids: list[str],
        predicates: list[str] | None,
        at: TimeFilter,
        limit: int,
    ) -> list[Step]:
        """See :meth:`GraphReadStore.expand`."""
        params = {**self._scope(scope), "ids": ids, "predicates": predicates, **asdict(at)}
        rows = await self._query("graph_expand", {**params, "limit": limit})
        return [Step(r["from_id"], r["fact_id"], r["to_id"]) for r in rows]


def _entity_filter(where: EntityFilter) -> Row:
    contains = where.name_contains.lower() if where.name_contains else None
    return {"name_contains": contains, "type": where.type}

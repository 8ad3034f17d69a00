"""Cursor-paginated connections (``first``, ``after``, ``pageInfo``, ``totalCount``).

Pages are keyset pages on the time-ordered id, so walking a list while it grows
never repeats or skips an item that was there when the walk began.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from kenning.api.graphql.inputs import encode_cursor
from kenning.api.graphql.types import EntityType, FactType
from kenning.domain.models import Entity
from kenning.store.graph_port import FactEdge

Counter = Callable[[], Awaitable[int]]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type
class EntityEdge:
    cursor: str
    node: EntityType


@strawberry.type(name="FactEdge")
class FactEdgeType:
    cursor: str
    node: FactType


@strawberry.type(description="A page of entities in creation order.")
class EntityConnection:
    edges: list[EntityEdge]
    page_info: PageInfo
    count: strawberry.Private[Counter]

    @strawberry.field(description="The page's entities (the edges without cursors).")
    def nodes(self) -> list[EntityType]:
        return [e.node for e in self.edges]

    @strawberry.field(description="How many items match, over all pages (one extra query).")
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of(cls, items: list[Entity], more: bool, count: Counter) -> EntityConnection:
        """A page of entities."""
        edges = [EntityEdge(cursor=encode_cursor(e.id), node=EntityType.of(e)) for e in items]
        end = edges[-1].cursor if edges else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=end), count=count)


@strawberry.type(description="A page of facts in creation order.")
class FactConnection:
    edges: list[FactEdgeType]
    page_info: PageInfo
    count: strawberry.Private[Counter]

    @strawberry.field(description="The page's facts (the edges without cursors).")
    def nodes(self) -> list[FactType]:
        return [e.node for e in self.edges]

    @strawberry.field(description="How many items match, over all pages (one extra query).")
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of(cls, items: list[FactEdge], more: bool, count: Counter) -> FactConnection:
        """A page of facts."""
        edges = [FactEdgeType(cursor=encode_cursor(e.fact.id), node=FactType.of(e)) for e in items]
        end = edges[-1].cursor if edges else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=end), count=count)

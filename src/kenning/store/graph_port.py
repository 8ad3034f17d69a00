"""The graph-read part of the store port: entities, facts, neighbourhoods, steps.

These reads serve exploration (GraphQL, ``GET /v1/graph``). Every method is
filtered by tenant and space. Fact reads that take a :class:`TimeFilter` keep a
fact when it is **valid at** ``as_of`` — ``(valid_from IS NULL OR valid_from <=
as_of) AND (valid_to IS NULL OR as_of < valid_to)`` — and **known at**
``known_at`` — ``recorded_at <= known_at AND (expired_at IS NULL OR known_at <
expired_at)``. Fact reads that take ``categories`` keep only facts with every
``agent_id``/``run_id``/``app_id`` it names (default: all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kenning.domain.models import NO_CATEGORY, CategoryFilter, Entity, Fact, Scope, utcnow

#: Neighbourhood depths that have a query; a variable-length bound cannot be
#: a Cypher parameter, so each depth is its own reviewed query file.
NEIGHBORHOOD_DEPTHS = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class TimeFilter:
    """Valid time ``as_of`` and transaction time ``known_at`` (aware UTC)."""

    as_of: datetime
    known_at: datetime

    @classmethod
    def resolve(cls, as_of: datetime | None, known_at: datetime | None) -> TimeFilter:
        """The filter for ``as_of``/``known_at``; now for each one left out, so
        the default is "currently valid and currently known"."""
        now = utcnow()
        return cls(as_of=as_of or now, known_at=known_at or now)


@dataclass(frozen=True, slots=True)
class EntityFilter:
    """Entities whose lower-cased name contains ``name_contains`` and of ``type``."""

    name_contains: str | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True)
class FactFilter:
    """Facts by subject key, predicate and object key; ``None`` matches any."""

    subject_key: str | None = None
    predicate: str | None = None
    object_key: str | None = None


@dataclass(frozen=True, slots=True)
class FactEdge:
    """A fact with the ids of its subject and object entities."""

    fact: Fact
    subject_id: str
    object_id: str


@dataclass(frozen=True, slots=True)
class NeighborhoodEdge:
    """A fact of a neighbourhood, its two entities, and the hop (1-based) at
    which a breadth-first walk from the centre first reaches it."""

    edge: FactEdge
    subject: Entity
    object: Entity
    hop: int


@dataclass(frozen=True, slots=True)
class Step:
    """One fact between two entities, seen from ``from_id`` (either direction)."""

    from_id: str
    fact_id: str
    to_id: str


class GraphReadStore(Protocol):
    """Reads for exploring the graph. Raise ``StoreUnavailable`` when the graph
    is down and ``StoreError`` on other database failures."""

    async def entities_by_id(self, scope: Scope, ids: list[str]) -> list[Entity]:
        """Entities by id; unknown ids are skipped; order not guaranteed."""

    async def entities_by_key(self, scope: Scope, keys: list[str]) -> list[Entity]:
        """Entities by normalised name (``entity_key``); unknown keys skipped."""

    async def find_entities(
        self, scope: Scope, where: EntityFilter, after: str, limit: int
    ) -> list[Entity]:
        """Up to ``limit`` matching entities with id > ``after``, in id order."""

    async def count_entities(self, scope: Scope, where: EntityFilter) -> int:
        """How many entities match."""

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
        """Up to ``limit`` matching facts with id > ``after``, in id order."""

    async def count_facts(
        self,
        scope: Scope,
        where: FactFilter,
        at: TimeFilter,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> int:
        """How many facts match."""

    async def fact_edges(self, scope: Scope, ids: list[str]) -> list[FactEdge]:
        """Facts by id with their entity ids; unknown ids skipped; any order."""

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
        """Up to ``limit`` facts touching each entity, newest first, in one query."""

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
        """Facts within ``depth`` hops (one of :data:`NEIGHBORHOOD_DEPTHS`) of
        an entity, nearest first, at most ``limit``, in one query.

        Raises:
            InputError: ``depth`` has no query.
        """

    async def expand(
        self,
        scope: Scope,
        ids: list[str],
        predicates: list[str] | None,
        at: TimeFilter,
        limit: int,
    ) -> list[Step]:
        """One breadth-first step from ``ids``: at most ``limit`` steps."""

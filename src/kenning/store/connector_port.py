"""The store port for the connector and digest agents' analyses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kenning.domain.models import Scope
from kenning.store.temporal_port import Statement


@dataclass(frozen=True, slots=True)
class NamedRef:
    """An entity as the connector names it: id, normalised key (unique per
    space, the same on every engine, so it orders results), display name."""

    id: str
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class FactPair:
    """Current facts from ``source`` to ``target`` (distinct entities): how many."""

    source: NamedRef
    target: NamedRef
    facts: int


@dataclass(frozen=True, slots=True)
class SharedPair:
    """Two entities and what they share: common neighbours (entity ids) or
    co-mentioning episodes (episode ids), each with its degree (how many
    distinct entities it connects), in ``via`` order."""

    a: NamedRef
    b: NamedRef
    via: list[str]
    degrees: list[int]


@dataclass(frozen=True, slots=True)
class RestatedFact:
    """A current fact and every statement of it (one per episode or post)."""

    id: str
    subject: NamedRef
    predicate: str
    object: NamedRef
    statements: list[Statement]


class ConnectorStore(Protocol):
    """Store methods for the connector and digest agents' analyses.

    Every method is filtered by tenant and space, reads only, and considers
    current facts only (``expired_at IS NULL``, transaction time).
    """

    async def connector_projection(self, scope: Scope) -> list[FactPair]:
        """Current facts between distinct entities, counted per (subject,
        object) in that direction; one row per directed pair, any order."""
        ...

    async def connector_shared_neighbours(
        self, scope: Scope, max_degree: int, min_shared: int, max_candidates: int
    ) -> list[SharedPair]:
        """Unordered entity pairs with at least ``min_shared`` common
        neighbours over current facts, counting only neighbours that connect
        2..``max_degree`` distinct entities (so hubs add no work); at most
        ``max_candidates`` of them, highest sum of 1 / ln(degree) first.
        Pairs that already share a fact are included (the caller filters)."""
        ...

    async def connector_comentions(
        self,
        scope: Scope,
        max_degree: int,
        min_shared: int,
        max_candidates: int,
        hubs: list[str],
    ) -> list[SharedPair]:
        """Unordered entity pairs mentioned together by at least
        ``min_shared`` episodes, leaving out the entities ``hubs`` (ids) and
        counting only episodes that mention 2..``max_degree`` of the others
        (the connector passes its ``max_mentions``);
        at most ``max_candidates``, highest sum of 1 / ln(mentions) first."""
        ...

    async def connector_restated_facts(
        self, scope: Scope, min_statements: int
    ) -> list[RestatedFact]:
        """Current facts with at least ``min_statements`` statements; any order."""
        ...

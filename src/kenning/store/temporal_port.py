"""The part of the GraphStore port that versions, times and deletes facts.

Every fact has a *live* version (``latest``: the current belief) and, after a
change, *archived* versions: copies of what memory believed before, with
``version_of`` the live fact's id and ``expired_at`` the instant memory stopped
believing them (transaction time). Hard deletes remove every version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from kenning.domain.models import Fact, Scope

T = TypeVar("T")
#: A chain: the facts of one (subject key, predicate) in a space.
ChainKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ChainFact:
    """A live fact as supersession sees it: what was stated and what is derived."""

    id: str
    subject_key: str
    predicate: str
    object_key: str
    stated_valid_from: datetime | None
    stated_valid_to: datetime | None
    observed_at: datetime
    valid_from: datetime | None
    valid_to: datetime | None
    superseded_by: str | None
    text: str
    confidence: float
    invalidation_reason: str | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class FactVersion:
    """The new state of a live fact. Applying it archives the previous state
    (unless that was recorded in the same instant) and records this one."""

    id: str
    version_id: str  # id given to the archived copy of the previous state
    valid_from: datetime | None
    valid_to: datetime | None
    superseded_by: str | None
    stated_valid_from: datetime | None
    stated_valid_to: datetime | None
    text: str
    confidence: float
    invalidation_reason: str | None


@dataclass(frozen=True, slots=True)
class Deleted:
    """What a hard delete removed, and the chains (subject key, predicate)
    whose other facts must be resolved again."""

    found: bool
    facts: int = 0
    episodes: int = 0
    entities: int = 0
    chains: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ScopeCounts:
    """Every node of a scope and every relationship touching one."""

    nodes: int
    relationships: int


class TemporalStore(Protocol):
    """Fact versions, timelines and hard deletes. Filtered by tenant and space;
    instants are aware UTC."""

    async def run_locked(
        self, scope: Scope, chains: Sequence[ChainKey], work: Callable[[], Awaitable[T]]
    ) -> T:
        """Run ``work`` while no other writer, in this process or another one
        on the same database, holds any of ``chains``; returns its result.

        Every read and write of a chain's facts that ``work`` makes through
        this store sees the chain as no concurrent writer changes it, so a
        read-resolve-write of supersession is atomic per chain. Locks are
        taken in sorted order, all before ``work`` starts. ``work`` may run
        more than once (a Neo4j deadlock or transient error retries the whole
        transaction), so it must start from what it reads.

        Raises:
            StoreUnavailable: the database is down, or the chains stayed busy
                past the adapter's wait limit.
        """

    async def read_chains(self, scope: Scope, chains: list[tuple[str, str]]) -> list[ChainFact]:
        """Live facts of the given (subject key, predicate) chains."""

    async def chain_facts(self, scope: Scope, ids: list[str]) -> list[ChainFact]:
        """Live facts by id (unknown or archived ids are skipped)."""

    async def apply_versions(
        self, scope: Scope, versions: list[FactVersion], now: datetime
    ) -> None:
        """Archive the previous state of each fact and record the new one as of ``now``."""

    async def timeline_facts(
        self,
        scope: Scope,
        *,
        entity_id: str | None,
        predicates: list[str],
        start: datetime,
        end: datetime,
        known_at: datetime,
        limit: int,
    ) -> list[Fact]:
        """Facts known at ``known_at`` that start, end or were first stated in
        ``[start, end)``, about ``entity_id`` (subject or object) if given,
        oldest first, at most ``limit``."""

    async def delete_facts(self, scope: Scope, fact_id: str) -> Deleted:
        """Hard-delete a fact and all its versions."""

    async def delete_episode(self, scope: Scope, episode_id: str) -> Deleted:
        """Hard-delete an episode, the facts only it supports (all versions),
        and its id from other facts' and jobs' sources."""

    async def delete_entity(self, scope: Scope, entity_id: str) -> Deleted:
        """Hard-delete an entity with its facts (all versions) and mentions."""

    async def delete_space(self, scope: Scope) -> Deleted:
        """Hard-delete every node of the scope and every relationship touching one."""

    async def delete_orphans(self, scope: Scope) -> int:
        """Delete entities with no relationship left and jobs with no episode;
        returns how many entities went."""

    async def scope_counts(self, scope: Scope) -> ScopeCounts:
        """Count the scope's nodes and the relationships touching them."""

    async def count_references(self, scope: Scope, item_id: str) -> ScopeCounts:
        """Nodes with id ``item_id``; facts with it as id, ``version_of`` or source."""

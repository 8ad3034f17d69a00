"""The part of the GraphStore port that versions, times and deletes facts.

Every fact has a *live* version (``latest``: the current belief) and, after a
change, *archived* versions: copies of what memory believed before, with
``version_of`` the live fact's id and ``expired_at`` the instant memory stopped
believing them (transaction time). Hard deletes remove every version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from kenning.domain.models import NO_CATEGORY, CategoryFilter, Fact, Scope

T = TypeVar("T")
#: A chain: the facts of one (subject key, predicate) in a space.
ChainKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Statement:
    """What one source stated about a fact, kept so a chain can be re-resolved.

    Attributes:
        episode_ids: The episodes that said it (empty: posted through the API).
        valid_from: Start it stated (UTC), or None.
        valid_to: End it stated (UTC, exclusive), or None.
        observed_at: When it was said (UTC): its episode's ``occurred_at``, or
            when it was posted.
        confidence: The extractor's or caller's confidence, 0..1.
    """

    episode_ids: tuple[str, ...]
    valid_from: datetime | None
    valid_to: datetime | None
    observed_at: datetime
    confidence: float

    def canonical(self) -> Statement:
        """Instants floored to whole milliseconds, as every store keeps them,
        so a statement compares equal to itself read back."""
        return replace(
            self,
            valid_from=floor_ms(self.valid_from),
            valid_to=floor_ms(self.valid_to),
            observed_at=_floor(self.observed_at),
        )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def _floor(value: datetime) -> datetime:
    return _EPOCH + ((value - _EPOCH) // _MS) * _MS


def floor_ms(value: datetime | None) -> datetime | None:
    """An instant floored to a whole millisecond (None stays None)."""
    return None if value is None else _floor(value)


def to_ms(value: datetime | None) -> int | None:
    """An instant as whole epoch milliseconds (floored), None stays None."""
    return None if value is None else (value - _EPOCH) // _MS


def from_ms(value: int | None) -> datetime | None:
    """Epoch milliseconds back to an aware UTC instant."""
    return None if value is None else _EPOCH + value * _MS


@dataclass(frozen=True, slots=True)
class Correction:
    """Stated valid time or confidence set by a user (``PATCH``, invalidation).

    It overrides what sources stated, for the fact it was made on; a
    ``sets_*`` flag tells "set to None" from "not corrected".
    """

    valid_from: datetime | None = None
    valid_to: datetime | None = None
    confidence: float | None = None
    sets_valid_from: bool = False
    sets_valid_to: bool = False


@dataclass(frozen=True, slots=True)
class ChainFact:
    """A live fact as supersession sees it: what was stated and what is derived.

    ``statements`` is empty for a fact written before statements were kept;
    supersession then reads its stated fields as one statement.
    """

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
    episode_ids: tuple[str, ...] = ()
    statements: tuple[Statement, ...] = ()
    correction: Correction | None = None


@dataclass(frozen=True, slots=True)
class FactVersion:
    """The new state of a live fact.

    With ``archive`` (what memory believes changed: valid time, text, a
    correction), applying it keeps the previous state as an archived copy
    (unless that was recorded in the same instant) and records this one as of
    now; without it (new sources of an unchanged belief) the fact is updated
    in place. With ``copy_of``, the fact is new: a copy of that live fact
    (same subject, object, text and embedding) split off its chain.
    """

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
    observed_at: datetime | None = None
    episode_ids: tuple[str, ...] = ()
    statements: tuple[Statement, ...] = ()
    correction: Correction | None = None
    archive: bool = True
    copy_of: str | None = None
    #: A new vector for a corrected text (:data:`VECTOR_DIMENSION`), or None.
    embedding: list[float] | None = field(default=None, compare=False)


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
        self,
        scope: Scope,
        versions: list[FactVersion],
        now: datetime,
        retired: list[str] | None = None,
    ) -> None:
        """In one transaction: create the split-off facts (``copy_of``), record
        the new state of each fact as of ``now`` (archiving the previous one
        where ``archive``), and retire the live facts ``retired`` (merged into
        another: no longer live, ``expired_at = now``)."""

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
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[Fact]:
        """Facts known at ``known_at`` that start, end or were first stated in
        ``[start, end)``, about ``entity_id`` (subject or object) if given,
        of ``categories`` (default: any), oldest first, at most ``limit``."""

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

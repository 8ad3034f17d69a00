"""The store port for the digest agent: what happened in a space over a period.

A period is a half-open window ``[start, end)`` of aware UTC instants,
measured on when things were said: an episode's ``occurred_at``, and a fact's
``observed_at`` (its first episode's ``occurred_at``; when it was written for
a fact posted without an episode). Only live facts count (``expired_at`` is
null): archived versions are history of a live one, retired ones merged
into another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from kenning.domain.models import Scope

#: What happened to a fact: another value replaced it (``superseded``), a user
#: ended or corrected it (``invalidated``), or a source said it was over (``ended``).
ChangeKind = Literal["superseded", "invalidated", "ended"]


@dataclass(frozen=True, slots=True)
class DigestFact:
    """A live fact as a digest lists it (instants aware UTC)."""

    id: str
    subject_id: str
    subject: str
    predicate: str
    object_id: str
    object: str
    text: str
    valid_from: datetime | None
    valid_to: datetime | None
    observed_at: datetime
    episode_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EntityHighlights:
    """The new facts of one subject entity in a period: how many in all
    (``total``) and the first few in the order they were said."""

    entity_id: str
    name: str
    total: int
    facts: list[DigestFact] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FactChange:
    """A fact that stopped holding in a period: ``old`` → ``new`` (None unless
    superseded by a live fact), at ``at`` (see :meth:`DigestStore.digest_changes`)."""

    kind: ChangeKind
    at: datetime
    old: DigestFact
    new: DigestFact | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Changes:
    """How many facts changed in a period, and the first ``limit`` of them."""

    total: int
    items: list[FactChange] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EntityActivity:
    """How busy one entity was in a period: new facts it is an end of, and
    episodes that mention it."""

    entity_id: str
    name: str
    facts: int
    mentions: int


@dataclass(frozen=True, slots=True)
class Activity:
    """Counts of a period, and its most active entities (most first)."""

    episodes: int
    facts: int
    entities: int
    top: list[EntityActivity] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PredicateTrend:
    """New facts of one predicate in the period and in the one before it."""

    predicate: str
    current: int
    previous: int


@dataclass(frozen=True, slots=True)
class OpenInsight:
    """An open insight of another agent, as a digest lists it."""

    id: str
    agent: str
    kind: str
    title: str
    score: float


class DigestStore(Protocol):
    """Store methods for the digest agent's aggregations; each filtered by
    tenant and space, read-only, and safe to repeat."""

    async def digest_latest(self, scope: Scope) -> datetime | None:
        """The latest ``occurred_at`` of the space's episodes (None: no episode)."""

    async def digest_activity(
        self, scope: Scope, start: datetime, end: datetime, top: int
    ) -> Activity:
        """Episodes said in ``[start, end)``, live facts first stated then,
        distinct entities those episodes mention or those facts join, and the
        ``top`` entities by facts + mentions (ties by name)."""

    async def digest_highlights(
        self, scope: Scope, start: datetime, end: datetime, entities: int, per_entity: int
    ) -> list[EntityHighlights]:
        """Live facts first stated in ``[start, end)`` by subject: the
        ``entities`` subjects with most such facts (ties by name), each with
        its first ``per_entity`` facts in the order they were said."""

    async def digest_changes(
        self, scope: Scope, start: datetime, end: datetime, limit: int
    ) -> Changes:
        """Live facts that stopped holding in ``[start, end)``, in order.

        A superseded fact counts when the later of its own and its
        successor's ``observed_at`` is in the window (memory learnt of the
        change when the second of them was said); an invalidated or ended
        one (``valid_to`` set, no successor) when its ``valid_to`` is. It is
        ``invalidated`` when a user ended or corrected it (a reason or a
        correction is recorded), else ``ended``.
        """

    async def digest_predicates(
        self, scope: Scope, previous_start: datetime, start: datetime, end: datetime
    ) -> list[PredicateTrend]:
        """New live facts per predicate in ``[start, end)`` and in
        ``[previous_start, start)``; predicates with none in either are left
        out. Ordered by ``current - previous`` descending, then predicate."""

    async def digest_insights(
        self, scope: Scope, agents: list[str], limit: int
    ) -> tuple[int, list[OpenInsight]]:
        """How many ``open`` insights of ``agents`` the space has, and the
        first ``limit`` by score (highest first), then kind and title. None
        existing (no ``:Insight`` node at all) is zero, not an error."""

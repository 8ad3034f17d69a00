"""The store port for the curator agent's pattern analyses and auto-fix.

The analyses read small rows (:class:`CuratorEntity`, :class:`FactBrief`, ...)
computed by graph patterns in ``cypher/common/agents/curator_*.cypher``. The
auto-fix reads the items it will change as a :class:`CuratorItems` snapshot
(every stored property, as the portable export gives them) and writes a
:class:`CuratorWrite`: items deleted, items written and the change-log entry,
in one transaction, so a change and its record never part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kenning.domain.models import Scope
from kenning.store.portable_port import PortableItem


@dataclass(frozen=True, slots=True)
class CuratorEntity:
    """An entity as duplicate detection sees it.

    Attributes:
        facts: Current facts (``expired_at`` unset) it takes part in, either end.
        mentions: Episodes that mention it.
        embedding: Its name vector (384 floats), or None when not asked for or absent.
    """

    id: str
    name: str
    key: str
    type: str
    aliases: list[str]
    facts: int
    mentions: int
    embedding: list[float] | None = None


@dataclass(frozen=True, slots=True)
class FactBrief:
    """A current fact with what the curator weighs: ends, valid time (aware UTC
    or None for unbounded), support (its episode ids) and when it was first
    stated (``observed_at``, else ``recorded_at``)."""

    id: str
    subject_id: str
    subject: str
    predicate: str
    object_id: str
    object: str
    text: str
    confidence: float
    valid_from: datetime | None
    valid_to: datetime | None
    stated_at: datetime
    episode_ids: list[str]


@dataclass(frozen=True, slots=True)
class StaleFact:
    """A current, valid-now fact whose newest supporting episode (or, without
    episodes, when it was first stated) is older than its horizon.

    Attributes:
        last_support: ``max(occurred_at)`` of its episodes, else ``observed_at``
            or ``recorded_at`` (aware UTC).
        decayed_at: When the curator last applied decay to it, or None.
    """

    fact: FactBrief
    last_support: datetime
    decayed_at: datetime | None


@dataclass(frozen=True, slots=True)
class CuratorItems:
    """Graph items as stored (see :class:`PortableItem`), for the change log.

    Attributes:
        entities, facts, mentions: Items with every stored property and vector.
        about: Entity id → ids of ``Insight`` nodes ``ABOUT`` it (restored with
            an entity the curator re-creates).
    """

    entities: list[PortableItem] = field(default_factory=list)
    facts: list[PortableItem] = field(default_factory=list)
    mentions: list[PortableItem] = field(default_factory=list)
    about: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CuratorWrite:
    """One change applied in one transaction, in this order: delete the facts,
    mentions and entities named; update ``update_entities`` in place (every
    property replaced); create ``create_entities``, ``facts`` and ``mentions``;
    restore ``ABOUT`` edges; mark ``undo_seqs`` undone; record ``record``.

    Attributes:
        run_id: The run the change belongs to.
        delete_facts: Fact ids (every version named is deleted).
        delete_mentions: ``(episode id, entity id)`` pairs.
        delete_entities: Entity ids (detached: their remaining edges go too).
        record: ``(seq, op, before JSON, after JSON)`` of a new change-log
            entry, or None (an undo records nothing new).
        undo_seqs: Change-log entries of ``run_id`` this write reverts.
    """

    run_id: str
    delete_facts: list[str] = field(default_factory=list)
    delete_mentions: list[tuple[str, str]] = field(default_factory=list)
    delete_entities: list[str] = field(default_factory=list)
    update_entities: list[PortableItem] = field(default_factory=list)
    create_entities: list[PortableItem] = field(default_factory=list)
    facts: list[PortableItem] = field(default_factory=list)
    mentions: list[PortableItem] = field(default_factory=list)
    about: dict[str, list[str]] = field(default_factory=dict)
    record: tuple[int, str, str, str] | None = None
    undo_seqs: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CuratorChange:
    """A change-log entry: ``(:CuratorChange {tenant, space, run_id, seq, op,
    before, after, created_at, undone_at?})``; ``before``/``after`` are JSON
    text of :class:`CuratorItems` (see ``kenning.agents.curator.changes``)."""

    run_id: str
    seq: int
    op: str
    before: str
    after: str
    created_at: datetime
    undone_at: datetime | None


class CuratorStore(Protocol):
    """Store methods for the curator agent's pattern analyses and auto-fix.

    Every method is filtered by tenant and space.
    """

    async def curator_entities(self, scope: Scope, *, embeddings: bool) -> list[CuratorEntity]:
        """Every entity of the space with its fact and mention counts (and its
        vector when ``embeddings``), in id order."""

    async def curator_predicates(self, scope: Scope) -> list[str]:
        """The distinct predicates of the space's current facts, sorted."""

    async def curator_shared_neighbours(
        self, scope: Scope, pairs: list[tuple[str, str]]
    ) -> dict[tuple[str, str], list[str]]:
        """For each pair of entity ids, the ids of entities both are linked to
        by a current fact (either direction), sorted; pairs with none are left out."""

    async def curator_functional_overlaps(
        self, scope: Scope, predicates: list[str]
    ) -> list[tuple[FactBrief, FactBrief]]:
        """Pairs of current facts of one subject and one of ``predicates`` with
        different objects whose valid intervals overlap (unset bounds are
        unbounded); the first of a pair has the smaller id."""

    async def curator_opposite_overlaps(
        self, scope: Scope, pairs: list[tuple[str, str]]
    ) -> list[tuple[FactBrief, FactBrief]]:
        """Pairs of current facts with the same subject and object, predicates
        ``(p, q)`` from ``pairs`` (first, second), whose valid intervals overlap."""

    async def curator_stale_facts(
        self, scope: Scope, cutoffs: dict[str, datetime], now: datetime
    ) -> list[StaleFact]:
        """Current facts valid at ``now`` whose predicate is a key of ``cutoffs``
        and whose last support (see :class:`StaleFact`) is before its cutoff."""

    async def curator_orphans(self, scope: Scope) -> list[tuple[str, str]]:
        """``(id, name)`` of entities with no fact (any version, either
        direction) and no mention, in id order."""

    async def curator_low_information(
        self, scope: Scope, predicates: list[str], objects: list[str]
    ) -> list[FactBrief]:
        """Current facts with a predicate in ``predicates`` and an object whose
        key is in ``objects``, in id order."""

    async def curator_read(
        self,
        scope: Scope,
        *,
        entity_ids: list[str] | None = None,
        fact_ids: list[str] | None = None,
        touching: list[str] | None = None,
        mention_pairs: list[tuple[str, str]] | None = None,
    ) -> CuratorItems:
        """A snapshot: entities ``entity_ids``; facts ``fact_ids`` and every
        fact version touching an entity of ``touching``; mentions of those
        entities and the mentions named by ``mention_pairs`` that exist."""

    async def curator_apply(self, scope: Scope, write: CuratorWrite, now: datetime) -> None:
        """Apply one change (see :class:`CuratorWrite`) in one transaction."""

    async def curator_changes(self, scope: Scope, run_id: str) -> list[CuratorChange]:
        """Change-log entries of run ``run_id``, by ``seq``."""

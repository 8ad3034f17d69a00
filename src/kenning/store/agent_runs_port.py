"""The store port for runs, insights and leases of the memory agents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kenning.agents.models import (
    AgentName,
    AgentRun,
    Insight,
    InsightDraft,
    InsightStatus,
    RunStatus,
    RunTrigger,
)
from kenning.domain.models import Page, Scope


@dataclass(frozen=True, slots=True)
class InsightFilter:
    """Which insights a listing returns; None matches any.

    Attributes:
        agent, kind, status: Exact values.
        since: Created at or after this instant (UTC).
        entity_id: Only insights ``ABOUT`` this entity.
    """

    agent: AgentName | None = None
    kind: str | None = None
    status: InsightStatus | None = None
    since: datetime | None = None
    entity_id: str | None = None


@dataclass(frozen=True, slots=True)
class InsightWrites:
    """What storing a run's drafts did: new insights, open ones updated in
    place (same fingerprint), and drafts skipped because a person dismissed
    an insight with their fingerprint. ``created_ids``: the new insights'
    ids by fingerprint."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    created_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpaceActivity:
    """A space that recorded an episode or a fact (transaction time) at
    ``changed_at`` (UTC), after the last succeeded run of an agent there."""

    tenant: str
    space: str
    changed_at: datetime


class AgentRunStore(Protocol):
    """Store methods for runs, insights and leases of the memory agents.

    Every method is filtered by tenant and space, except
    :meth:`spaces_to_analyse` (the scheduler's view across tenants).
    """

    async def start_run(
        self,
        scope: Scope,
        run_id: str,
        agent: AgentName,
        trigger: RunTrigger,
        auto_fix: bool,
        started_at: datetime,
    ) -> AgentRun:
        """Record a new run as ``running``; returns it.

        Raises:
            Conflict: ``run_id`` exists in the tenant already.
        """

    async def finish_run(
        self,
        scope: Scope,
        run_id: str,
        status: RunStatus,
        finished_at: datetime,
        stats: dict[str, Any],
        error: str | None = None,
    ) -> AgentRun | None:
        """End a ``running`` run as ``status`` with ``stats`` (JSON values)
        and ``error`` (safe text for clients); None when the run is not
        running (already finished) or not in the scope."""

    async def set_run_status(
        self, scope: Scope, run_id: str, from_status: RunStatus, to_status: RunStatus
    ) -> AgentRun | None:
        """Move a run from ``from_status`` to ``to_status`` (atomically); None
        when it is in another status or not in the scope."""

    async def get_run(self, scope: Scope, run_id: str) -> AgentRun | None:
        """One run, or None."""

    async def list_runs(
        self, scope: Scope, after: str, limit: int, agent: AgentName | None = None
    ) -> Page[AgentRun]:
        """A page of the space's runs, newest first (keyset on id: pass
        ``next_after`` as ``after``; ``""`` for the first page)."""

    async def take_agent_lease(
        self,
        scope: Scope,
        agent: AgentName,
        holder: str,
        now: datetime,
        until: datetime,
    ) -> bool:
        """Take or renew the lease of (scope, agent) for ``holder`` until
        ``until`` (UTC), across processes. True when taken: nobody held it,
        ``holder`` did, or the holder's lease expired at or before ``now``
        (a run that died). Safe to repeat."""

    async def release_agent_lease(self, scope: Scope, agent: AgentName, holder: str) -> bool:
        """Give back ``holder``'s lease; False when ``holder`` no longer held it."""

    async def write_insights(
        self, scope: Scope, run_id: str, drafts: list[InsightDraft], now: datetime
    ) -> InsightWrites:
        """Store a run's drafts. An open insight with a draft's fingerprint is
        updated in place (title, body, score, evidence, data, ``run_id``; id
        and ``created_at`` kept) instead of duplicated; a draft whose
        fingerprint a person dismissed is skipped; otherwise a new open
        insight is created at ``now``. ``entity_ids`` of the space become
        ``ABOUT`` relationships (replacing an updated insight's)."""

    async def list_insights(
        self, scope: Scope, where: InsightFilter, after: str, limit: int
    ) -> Page[Insight]:
        """A page of the space's insights matching ``where``, newest first
        (keyset on id: pass ``next_after`` as ``after``)."""

    async def get_insight(self, scope: Scope, insight_id: str) -> Insight | None:
        """One insight with the entities it is about, or None."""

    async def dismiss_insight(self, scope: Scope, insight_id: str, now: datetime) -> Insight | None:
        """Dismiss an open insight (safe to repeat; a resolved one stays
        resolved); the insight as it is now, or None when absent."""

    async def spaces_to_analyse(self, agent: AgentName) -> list[SpaceActivity]:
        """Spaces of every tenant that recorded an episode or fact after the
        start of ``agent``'s last succeeded (or undone) run there, or that it
        never ran on; the scheduler's work list."""

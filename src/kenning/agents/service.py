"""Runs the memory agents: leases, background runs, insights, stats and undo.

:meth:`AgentService.run` takes one lease per (agent, space) in the graph
(so two processes cannot run the same agent on a space at once), records
the runs as ``running`` and starts them in the background; each run calls
``analyses[agent](ctx)``, stores the insight drafts it returns and its
stats, and gives the lease back. A run that dies with its process leaves a
lease that expires after ``KENNING_AGENT_LEASE_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from kenning.agents.models import (
    AGENTS,
    KINDS,
    AgentContext,
    AgentName,
    AgentOutcome,
    AgentRun,
    Analysis,
    Insight,
    InsightDraft,
    RunTrigger,
)
from kenning.domain.ids import new_id
from kenning.domain.models import Page, Scope, utcnow
from kenning.errors import (
    Conflict,
    InputError,
    KenningError,
    NotFound,
    StoreBusy,
    StoreError,
)
from kenning.store.agent_runs_port import InsightFilter, InsightWrites
from kenning.store.port import GraphStore
from kenning.webhooks.events import Event, EventSink, NullSink, event_id

log = logging.getLogger(__name__)

#: ``undo_run(store, scope, run_id)`` → counts of reverted changes by kind.
Undo = Callable[[GraphStore, Scope, str], Awaitable[dict[str, int]]]
AgentChoice = Literal["curator", "connector", "digest", "all"]
#: Seconds :meth:`AgentService.close` waits for cancelled runs to record it.
CLOSE_WAIT_S = 5.0


@dataclass(frozen=True, slots=True)
class AgentSettings:
    """How runs are bounded (from ``KENNING_AGENT_*``, see config.py).

    Attributes:
        lease: How long a run's lease lasts without renewal; renewed every third.
        run_timeout_s: Longest analysis of one run, in seconds.
        max_concurrent_runs: Runs analysing at once in this process.
        options: ``ctx.options`` per agent.
    """

    lease: timedelta = timedelta(seconds=60)
    run_timeout_s: float = 900.0
    max_concurrent_runs: int = 2
    options: Mapping[AgentName, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UndoOutcome:
    """An undone run and the changes reverted, counted by kind."""

    run: AgentRun
    reverted: dict[str, int]


class AgentService:
    """Starts, records and undoes agent runs; lists runs and insights.

    Args:
        store: The graph store.
        settings: Bounds and options (:class:`AgentSettings`).
        analyses: Which analysis each agent runs; default
            :data:`kenning.agents.registry.ANALYSES`. Tests pass their own.
        undo: How a curator run's changes are reverted; default
            :func:`kenning.agents.registry.undo_run`.
        events: Told of each new insight (``insight.created``; an update of
            an open insight with the same fingerprint is not new); default: nobody.
    """

    def __init__(
        self,
        store: GraphStore,
        settings: AgentSettings,
        analyses: Mapping[AgentName, Analysis] | None = None,
        undo: Undo | None = None,
        events: EventSink | None = None,
    ) -> None:
        from kenning.agents import registry  # the analyses import the store port

        self.store = store
        self.settings = settings
        self.analyses: dict[AgentName, Analysis] = dict(analyses or registry.ANALYSES)
        self._undo = undo or registry.undo_run
        self._events: EventSink = events or NullSink()
        self._slots = asyncio.Semaphore(settings.max_concurrent_runs)
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(
        self,
        scope: Scope,
        agent: AgentChoice,
        trigger: RunTrigger = "manual",
        auto_fix: bool = False,
    ) -> list[AgentRun]:
        """Start ``agent`` (or every agent) over ``scope`` in the background.

        Returns at once with the runs as recorded (``running``); follow them
        with :meth:`get_run`. ``auto_fix`` applies to the curator only (the
        other agents never change the graph). Every run's ``now`` is the
        instant it started. All or none: when any lease is held, none starts.

        Raises:
            Conflict: one of the agents is running on this space already
                (here or in another process); the API answers 409.
            StoreUnavailable, StoreBusy: the store is down or busy.
        """
        agents: tuple[AgentName, ...] = AGENTS if agent == "all" else (agent,)
        now = utcnow()
        ids = {a: new_id("run") for a in agents}
        taken: list[AgentName] = []
        try:
            for a in agents:
                until = now + self.settings.lease
                if not await self.store.take_agent_lease(scope, a, ids[a], now, until):
                    raise Conflict(
                        f"the {a} agent is already running on space {scope.space}; "
                        "retry when that run has finished"
                    )
                taken.append(a)
            runs = [
                await self.store.start_run(
                    scope, ids[a], a, trigger, auto_fix and a == "curator", now
                )
                for a in agents
            ]
        except BaseException:
            for a in taken:
                await self._release(scope, a, ids[a])
            raise
        for started in runs:
            task = asyncio.create_task(self._execute(scope, started))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return runs

    async def _execute(self, scope: Scope, run: AgentRun) -> None:
        """One run: analyse, store insights and stats, release the lease."""
        renewer = asyncio.create_task(self._renew(scope, run.agent, run.id))
        started = time.perf_counter()
        status: Literal["succeeded", "failed"] = "failed"
        stats: dict[str, Any] = {}
        error: str | None = None
        try:
            async with self._slots:
                waited_ms = (time.perf_counter() - started) * 1000
                stats = await self._analyse(scope, run)
                stats["wait_ms"] = round(waited_ms, 1)
            status = "succeeded"
        except asyncio.CancelledError:
            error = "the service stopped during the run"
            raise
        except TimeoutError:
            limit = self.settings.run_timeout_s
            error = f"the run took longer than KENNING_AGENT_RUN_TIMEOUT_S ({limit:g} s)"
        except Exception as exc:
            error = safe_error(exc)
            log.error("agent run %s (%s) failed: %s", run.id, run.agent, exc, exc_info=exc)
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            stats["ms"] = round((time.perf_counter() - started) * 1000, 1)
            # Shielded: a cancelled run still records how it ended.
            await asyncio.shield(self._finish(scope, run, status, stats, error))

    async def _analyse(self, scope: Scope, run: AgentRun) -> dict[str, Any]:
        ctx = AgentContext(
            store=self.store,
            scope=scope,
            run_id=run.id,
            now=run.started_at,
            auto_fix=run.auto_fix,
            options=dict(self.settings.options.get(run.agent, {})),
        )
        analysed = time.perf_counter()
        async with asyncio.timeout(self.settings.run_timeout_s):
            outcome = await self.analyses[run.agent](ctx)
        analysis_ms = (time.perf_counter() - analysed) * 1000
        check_outcome(run.agent, outcome)
        now = utcnow()
        writes = await self.store.write_insights(scope, run.id, outcome.insights, now)
        await self._events.publish(scope, created_events(run, outcome.insights, writes, now))
        return {
            **outcome.stats,
            "analysis_ms": round(analysis_ms, 1),
            "insights": {
                "drafts": len(outcome.insights),
                "created": writes.created,
                "updated": writes.updated,
                "skipped_dismissed": writes.skipped,
            },
        }

    async def _finish(
        self,
        scope: Scope,
        run: AgentRun,
        status: Literal["succeeded", "failed"],
        stats: dict[str, Any],
        error: str | None,
    ) -> None:
        try:
            await self.store.finish_run(scope, run.id, status, utcnow(), stats, error)
        except (StoreError, StoreBusy) as exc:
            # The run stays "running" in the graph; its lease expires.
            log.error("agent run %s: could not record its end: %s", run.id, exc)
        finally:
            await self._release(scope, run.agent, run.id)

    async def _renew(self, scope: Scope, agent: AgentName, holder: str) -> None:
        lease = self.settings.lease
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            now = utcnow()
            try:
                kept = await self.store.take_agent_lease(scope, agent, holder, now, now + lease)
            except (StoreError, StoreBusy) as exc:
                log.warning("agent lease renewal of run %s failed: %s", holder, exc)
                continue
            if not kept:
                log.error("agent run %s lost its lease on space %s", holder, scope.space)

    async def _release(self, scope: Scope, agent: AgentName, holder: str) -> None:
        try:
            await self.store.release_agent_lease(scope, agent, holder)
        except (StoreError, StoreBusy) as exc:
            log.warning("agent lease release of %s failed (it expires): %s", holder, exc)

    async def undo(self, scope: Scope, run_id: str) -> UndoOutcome:
        """Revert every change a curator run with ``auto_fix`` made, and mark
        it ``undone``. Holds the curator's lease meanwhile.

        Raises:
            NotFound: no such run in the scope (404).
            InputError: not a curator run with auto_fix: it changed nothing (422).
            Conflict: the run is still running or already undone, or the
                curator is running on the space (409).
        """
        run = await self.get_run(scope, run_id)
        if run.agent != "curator" or not run.auto_fix:
            raise InputError(
                f"run {run_id} is a {run.agent} run without auto_fix: it changed nothing to undo",
                field="run_id",
            )
        if run.status not in ("succeeded", "failed"):
            raise Conflict(f"run {run_id} is {run.status}; only a finished run can be undone")
        holder, now = f"undo-{run_id}", utcnow()
        if not await self.store.take_agent_lease(
            scope, "curator", holder, now, now + self.settings.lease
        ):
            raise Conflict(f"the curator is running on space {scope.space}; retry after it")
        try:
            try:
                reverted = await self._undo(self.store, scope, run_id)
            except NotFound:
                reverted = {}  # the run recorded no changes
            undone = await self.store.set_run_status(scope, run_id, run.status, "undone")
        finally:
            await self._release(scope, "curator", holder)
        if undone is None:
            raise Conflict(f"run {run_id} changed status while it was undone")
        return UndoOutcome(undone, reverted)

    async def get_run(self, scope: Scope, run_id: str) -> AgentRun:
        """One run.

        Raises:
            NotFound: no run ``run_id`` in the scope.
        """
        run = await self.store.get_run(scope, run_id)
        if run is None:
            raise NotFound(f"no run {run_id} in space {scope.space}")
        return run

    async def runs(
        self, scope: Scope, after: str, limit: int, agent: AgentName | None = None
    ) -> Page[AgentRun]:
        """A page of the space's runs, newest first."""
        return await self.store.list_runs(scope, after, limit, agent)

    async def insights(
        self, scope: Scope, where: InsightFilter, after: str, limit: int
    ) -> Page[Insight]:
        """A page of the space's insights matching ``where``, newest first."""
        return await self.store.list_insights(scope, where, after, limit)

    async def insight(self, scope: Scope, insight_id: str) -> Insight:
        """One insight.

        Raises:
            NotFound: no insight ``insight_id`` in the scope.
        """
        insight = await self.store.get_insight(scope, insight_id)
        if insight is None:
            raise NotFound(f"no insight {insight_id} in space {scope.space}")
        return insight

    async def dismiss(self, scope: Scope, insight_id: str) -> Insight:
        """Dismiss an insight (safe to repeat); a re-run will not bring it back.

        Raises:
            NotFound: no insight ``insight_id`` in the scope.
        """
        insight = await self.store.dismiss_insight(scope, insight_id, utcnow())
        if insight is None:
            raise NotFound(f"no insight {insight_id} in space {scope.space}")
        return insight

    async def close(self, wait_s: float = CLOSE_WAIT_S) -> None:
        """Cancel runs in progress; each records ``failed`` and releases its
        lease, within ``wait_s`` s (leases left behind expire). Safe to repeat."""
        tasks = set(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=wait_s)


def check_outcome(agent: AgentName, outcome: AgentOutcome) -> None:
    """Refuse drafts an agent may not write.

    Raises:
        ValueError: a draft of another agent, or of a kind not in :data:`KINDS`.
    """
    for draft in outcome.insights:
        if draft.agent != agent or draft.kind not in KINDS[agent]:
            raise ValueError(
                f"the {agent} analysis returned a {draft.agent}/{draft.kind} insight; "
                f"its kinds are {', '.join(KINDS[agent])}"
            )


def safe_error(exc: BaseException) -> str:
    """What a failed run shows a client: never a stack trace or store text."""
    if isinstance(exc, StoreError | StoreBusy):
        return "the graph store failed during the run; it may succeed when run again"
    if isinstance(exc, KenningError):
        return f"{type(exc).__name__}: {exc}"[:500]
    if isinstance(exc, ValueError) and "analysis returned" in str(exc):
        return str(exc)[:500]
    return f"the analysis failed ({type(exc).__name__}); the server log has the details"


def created_events(
    run: AgentRun, drafts: list[InsightDraft], writes: InsightWrites, now: datetime
) -> list[Event]:
    """An ``insight.created`` event per new insight of a run (its id is the
    event's: an insight is created once)."""
    events = []
    for draft in {d.fingerprint: d for d in drafts}.values():
        insight_id = writes.created_ids.get(draft.fingerprint)
        if insight_id is None:
            continue
        data = {
            "insight_id": insight_id,
            "run_id": run.id,
            "agent": draft.agent,
            "kind": draft.kind,
            "title": draft.title,
            "score": draft.score,
            "entity_ids": list(draft.entity_ids),
        }
        events.append(Event(event_id("insight.created", insight_id), "insight.created", now, data))
    return events

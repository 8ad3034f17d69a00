"""The agents' schedule: APScheduler cron jobs in the service process.

One job per agent with a cron expression (``KENNING_AGENT_<AGENT>_CRON``;
see :mod:`kenning.agents.cron`). Each firing runs the agent over every space
that recorded an episode or fact since that agent's last succeeded run
there (:meth:`~kenning.store.agent_runs_port.AgentRunStore.spaces_to_analyse`).
A space whose run is still going (here or in another process: the lease)
is skipped until the next firing. Jobs coalesce (a backlog of missed firings
runs once) and a firing missed by more than ``misfire_grace_s`` is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from kenning.agents.cron import cron_trigger
from kenning.agents.models import AGENTS, AgentName, AgentRun
from kenning.agents.service import AgentService
from kenning.domain.models import Scope
from kenning.errors import Conflict, KenningError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    """One agent's schedule: its cron ('' when off) and next firing (UTC)."""

    agent: AgentName
    cron: str
    next_run_at: datetime | None


class AgentScheduler:
    """Fires agent runs on cron schedules.

    Args:
        service: Starts the runs.
        crons: Cron expression per agent; '' (or absent) leaves it unscheduled.
        auto_fix: Whether scheduled curator runs repair what they find.
        misfire_grace_s: Seconds late a firing may still run.
        tenants: Only these tenants' spaces ('' none: every tenant), as the
            ingest worker's ``KENNING_WORKER_TENANTS``.
    """

    def __init__(
        self,
        service: AgentService,
        crons: Mapping[AgentName, str],
        *,
        auto_fix: bool = False,
        misfire_grace_s: int = 300,
        tenants: Sequence[str] = (),
    ) -> None:
        self.service = service
        self.crons = {a: crons.get(a, "").strip() for a in AGENTS}
        self.auto_fix = auto_fix
        self.misfire_grace_s = misfire_grace_s
        self.tenants = frozenset(tenants)
        self._scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        """Add a job per scheduled agent and start; needs a running event
        loop. Does nothing when no agent is scheduled. Safe to repeat."""
        if self._scheduler is not None or not any(self.crons.values()):
            return
        scheduler = AsyncIOScheduler(timezone=UTC)
        for agent, cron in self.crons.items():
            if cron:
                scheduler.add_job(
                    self.tick,
                    trigger=cron_trigger(cron),
                    args=[agent],
                    id=agent,
                    name=f"agent {agent}",
                    coalesce=True,
                    max_instances=1,
                    misfire_grace_time=self.misfire_grace_s,
                )
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        """Stop firing (runs in progress are the service's to stop). Safe to repeat."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)

    def schedule(self) -> list[ScheduleEntry]:
        """Every agent with its cron and next firing (None when off or stopped)."""
        entries = []
        for agent, cron in self.crons.items():
            job = self._scheduler.get_job(agent) if self._scheduler is not None else None
            next_at = job.next_run_time if job is not None else None
            entries.append(ScheduleEntry(agent, cron, next_at))
        return entries

    async def tick(self, agent: AgentName) -> list[AgentRun]:
        """Run ``agent`` over every space with new activity; the runs started.

        Never raises: a store failure is logged and the next firing retries.
        """
        try:
            spaces = await self.service.store.spaces_to_analyse(agent)
        except KenningError as exc:
            log.error("scheduled %s: could not list spaces: %s", agent, exc)
            return []
        started: list[AgentRun] = []
        for space in spaces:
            if self.tenants and space.tenant not in self.tenants:
                continue
            scope = Scope(tenant=space.tenant, space=space.space)
            try:
                started += await self.service.run(scope, agent, "schedule", self.auto_fix)
            except Conflict:
                log.info("scheduled %s: still running on %s; next time", agent, space.space)
            except KenningError as exc:
                log.error("scheduled %s on %s failed to start: %s", agent, space.space, exc)
        return started

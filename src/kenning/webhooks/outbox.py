"""The webhook outbox: the :class:`EventSink` the app wires into use cases.

An event becomes one ``WebhookDelivery`` row per webhook of the tenant that
wants it (``webhooks/enqueue``), in one store write, before anything is sent;
the delivery worker sends rows from there. Where the row is written:

* ``fact.superseded``: inside the supersession unit (``Supersession.resolve``
  publishes right after ``apply_versions``), so on Neo4j it commits in the
  same transaction as the change; on FalkorDB (no multi-query transactions)
  right after it, under the same chain lease.
* ``job.completed`` / ``job.failed``: right after the worker marks a batch's
  episodes done or failed (a job's end is known only once *all* its episodes
  settled, possibly across batches and workers, so it cannot ride in the
  batch's own write), and at submit time for a job whose episodes were all
  duplicates of settled ones (no worker sees it). The debt is durable
  instead: a job is stored ``reported: false`` in the same write as its
  episodes (a retry sets it again) and marked once its event is in the
  outbox. :meth:`Outbox.sweep_jobs`, run at start and every
  ``KENNING_WEBHOOK_LEASE_S`` by every process, publishes the events still
  owed, so a crash between the settle and the outbox write delays the event
  instead of losing it. A flag rather than a time window: the window would
  have to outlast any downtime, and re-publishing is idempotent only while
  the delivered rows are kept.
* ``insight.created``: right after an agent run stores its insights.

Re-publishing is harmless: the row is MERGEd on (webhook, event id) and the
ids are deterministic. A failure to record an event is logged and swallowed:
a notification must never fail the change it reports.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Sequence

from kenning.domain.models import JobStatus, Scope, utcnow
from kenning.errors import KenningError
from kenning.store.webhooks_port import OutboxEvent, WebhookStore
from kenning.webhooks.events import Event, EventType, event_id

log = logging.getLogger(__name__)

JOB_EVENTS = ("job.completed", "job.failed")
#: Jobs read per sweep round, and most rounds per sweep.
SWEEP_BATCH = 256
SWEEP_ROUNDS = 16


def payload(scope: Scope, event: Event) -> str:
    """The JSON body every receiver gets for ``event``:
    ``{"id", "type", "created_at", "tenant", "space", "data"}``."""
    body = {
        "id": event.id,
        "type": event.type,
        "created_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "tenant": scope.tenant,
        "space": scope.space,
        "data": event.data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def job_event(scope: Scope, job: JobStatus) -> Event:
    """``job.completed`` (no episode failed) or ``job.failed`` for a finished
    job; the id names the job and its counts, so a job retried and finished
    again with other counts is reported again."""
    kind: EventType = "job.failed" if job.failed else "job.completed"
    data = {
        "job_id": job.id,
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "errors": job.errors,
    }
    ident = event_id(kind, scope.tenant, job.id, str(job.done), str(job.failed))
    return Event(ident, kind, utcnow(), data)


class Outbox:
    """Records events as outbox rows through the store.

    Args:
        store: The webhook store port.
        wake: Set when rows were added, so the delivery worker looks at once.
    """

    def __init__(self, store: WebhookStore, wake: asyncio.Event | None = None) -> None:
        self._store = store
        self.wake = wake or asyncio.Event()

    async def publish(self, scope: Scope, events: Sequence[Event]) -> None:
        """See :meth:`EventSink.publish`; never raises a store error (logged)."""
        await self._record(scope, events)

    async def _record(self, scope: Scope, events: Sequence[Event]) -> bool:
        """Write the outbox rows of ``events``; False (logged) when the store failed."""
        if not events:
            return True
        unique = {e.id: e for e in events}.values()  # one row per id in one write
        rows = [OutboxEvent(e.id, e.type, payload(scope, e)) for e in unique]
        try:
            queued = await self._store.enqueue_webhook_events(scope, rows, utcnow())
        except KenningError as exc:
            log.warning("could not record %d webhook events in %s: %s", len(rows), scope, exc)
            return False
        if queued:
            self.wake.set()
        return True

    async def episodes_settled(
        self, scope: Scope, episode_ids: Sequence[str], job_id: str | None = None
    ) -> None:
        """See :meth:`EventSink.episodes_settled`; reads jobs only when a
        webhook of the space listens to job events (else the sweep marks
        them reported later, in bulk)."""
        if not episode_ids:
            return
        try:
            if not await self._store.webhooks_listening(scope, JOB_EVENTS):
                return
            jobs = await self._store.settled_jobs(scope, episode_ids)
            if job_id is not None:
                jobs = [j for j in jobs if j.id == job_id]
        except KenningError as exc:
            log.warning("could not read finished jobs in %s: %s", scope, exc)
            return
        await self._report(scope, jobs, listening=True)

    async def _report(self, scope: Scope, jobs: Sequence[JobStatus], listening: bool) -> None:
        """Publish the job events of finished ``jobs`` (when a webhook
        listens), then mark them reported; left owed when a write failed."""
        if not jobs:
            return
        if listening and not await self._record(scope, [job_event(scope, j) for j in jobs]):
            return
        try:
            await self._store.mark_jobs_reported(scope, [j.id for j in jobs])
        except KenningError as exc:  # published again by the next sweep: same ids
            log.warning("could not mark %d jobs reported in %s: %s", len(jobs), scope, exc)

    async def sweep_jobs(self, tenants: Sequence[str] = (), limit: int = SWEEP_BATCH) -> int:
        """Publish the job events still owed (see the module doc) in rounds
        of ``limit`` jobs; returns how many jobs it found.

        Raises:
            StoreUnavailable, StoreBusy: the store is down or busy (the
                next sweep tries again).
        """
        found = 0
        while True:
            owed = await self._store.unreported_jobs(limit, tenants)
            by_scope: defaultdict[Scope, list[JobStatus]] = defaultdict(list)
            for scope, job in owed:
                by_scope[scope].append(job)
            for scope, jobs in by_scope.items():
                listening = await self._store.webhooks_listening(scope, JOB_EVENTS)
                await self._report(scope, jobs, listening)
            found += len(owed)
            # A round that could not mark its jobs would find them again: stop.
            if len(owed) < limit or found >= limit * SWEEP_ROUNDS:
                return found

    async def sweep_forever(self, interval_s: float, tenants: Sequence[str] = ()) -> None:
        """:meth:`sweep_jobs` now and every ``interval_s`` s until cancelled."""
        while True:
            try:
                await self.sweep_jobs(tenants)
            except KenningError as exc:
                log.warning("could not sweep owed job events, retrying later: %s", exc)
            await asyncio.sleep(interval_s)

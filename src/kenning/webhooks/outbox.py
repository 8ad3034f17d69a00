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
  batch's own write). A crash in between loses that job's event.
* ``insight.created``: right after an agent run stores its insights.

Re-publishing is harmless: the row is MERGEd on (webhook, event id) and the
ids are deterministic. A failure to record an event is logged and swallowed:
a notification must never fail the change it reports.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

from kenning.domain.models import JobStatus, Scope, utcnow
from kenning.errors import KenningError
from kenning.store.webhooks_port import OutboxEvent, WebhookStore
from kenning.webhooks.events import Event, EventType, event_id

log = logging.getLogger(__name__)

JOB_EVENTS = ("job.completed", "job.failed")


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
        if not events:
            return
        unique = {e.id: e for e in events}.values()  # one row per id in one write
        rows = [OutboxEvent(e.id, e.type, payload(scope, e)) for e in unique]
        try:
            queued = await self._store.enqueue_webhook_events(scope, rows, utcnow())
        except KenningError as exc:
            log.warning("could not record %d webhook events in %s: %s", len(rows), scope, exc)
            return
        if queued:
            self.wake.set()

    async def episodes_settled(self, scope: Scope, episode_ids: Sequence[str]) -> None:
        """See :meth:`EventSink.episodes_settled`; reads jobs only when a
        webhook of the space listens to job events."""
        if not episode_ids:
            return
        try:
            if not await self._store.webhooks_listening(scope, JOB_EVENTS):
                return
            jobs = await self._store.settled_jobs(scope, episode_ids)
        except KenningError as exc:
            log.warning("could not read finished jobs in %s: %s", scope, exc)
            return
        await self.publish(scope, [job_event(scope, job) for job in jobs])

"""The store port of webhooks: registrations, the outbox and its delivery log.

Webhooks belong to a tenant; each outbox row (``WebhookDelivery``) belongs to
one webhook and carries the space of its event. Instants are aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kenning.domain.models import JobStatus, Scope
from kenning.webhooks.models import Delivery, DeliveryStatus, Webhook


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One event to fan out to the webhooks that want it.

    ``payload`` is the exact JSON text every receiver gets as the body.
    """

    id: str
    type: str
    payload: str


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A due outbox row leased to one delivery worker, with its webhook's
    target and secret."""

    tenant: str
    id: str
    webhook_id: str
    event_id: str
    event: str
    payload: str
    attempts: int
    url: str
    secret: str


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What one try did to an outbox row.

    ``status`` ``pending`` schedules the next try at ``next_attempt_at``;
    ``entry`` is the delivery-log line (JSON text of a ``DeliveryAttempt``).
    """

    status: DeliveryStatus
    next_attempt_at: datetime | None
    entry: str


class WebhookStore(Protocol):
    """Store methods of webhooks. Registrations are filtered by tenant, the
    outbox by tenant and space; only the delivery worker's claim spans
    tenants (as the ingest worker's does)."""

    async def create_webhook(self, tenant: str, webhook: Webhook, secret: str) -> None:
        """Store a new webhook with its signing secret."""

    async def list_webhooks(self, tenant: str) -> list[Webhook]:
        """The tenant's webhooks, oldest first (secrets left out)."""

    async def get_webhook(self, tenant: str, webhook_id: str) -> Webhook | None:
        """One webhook, or None."""

    async def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        """Remove a webhook and its outbox rows; False when absent."""

    async def webhooks_listening(self, scope: Scope, events: Sequence[str]) -> bool:
        """Whether a webhook of the tenant wants any of ``events`` in the space."""

    async def enqueue_webhook_events(
        self, scope: Scope, events: Sequence[OutboxEvent], now: datetime
    ) -> int:
        """Add one ``pending`` outbox row per (webhook wanting it, event), due
        at ``now``; an (webhook, event id) pair already stored is left as it
        is (safe to repeat). Returns the rows now stored for these events."""

    async def settled_jobs(self, scope: Scope, episode_ids: Sequence[str]) -> list[JobStatus]:
        """Jobs of the space holding any of ``episode_ids`` whose episodes
        are all ``done`` or ``failed``."""

    async def unreported_jobs(
        self, limit: int, tenants: Sequence[str] = ()
    ) -> list[tuple[Scope, JobStatus]]:
        """Up to ``limit`` finished jobs (all episodes ``done`` or ``failed``)
        whose job event is still owed (not marked by :meth:`mark_jobs_reported`
        since they were submitted or retried), oldest first, across
        ``tenants`` (empty: all)."""

    async def mark_jobs_reported(self, scope: Scope, job_ids: Sequence[str]) -> int:
        """Mark jobs ``job_ids`` of the space as reported, those still
        finished only; returns how many were marked."""

    async def claim_webhook_deliveries(
        self,
        limit: int,
        now: datetime,
        until: datetime,
        holder: str,
        tenants: Sequence[str] = (),
    ) -> list[ClaimedDelivery]:
        """Lease up to ``limit`` pending rows due at ``now`` (whose lease, if
        any, ran out) to ``holder`` until ``until``, oldest due first, across
        ``tenants`` (empty: all). Two callers never lease the same row at once."""

    async def record_webhook_attempt(
        self, tenant: str, delivery_id: str, holder: str, outcome: AttemptOutcome, now: datetime
    ) -> bool:
        """Count one try on a row ``holder`` leases, append its log entry,
        set its status and next try, and end the lease. False when
        ``holder`` no longer holds it (its lease ran out and was retaken)."""

    async def list_webhook_deliveries(
        self, tenant: str, webhook_id: str, limit: int
    ) -> list[Delivery]:
        """The webhook's newest ``limit`` outbox rows with their logs."""

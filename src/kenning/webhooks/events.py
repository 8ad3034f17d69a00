"""The event port: how ingest, supersession and the agents say what happened.

Those modules call an :class:`EventSink` and know nothing about webhooks or
HTTP; the webhook outbox (:mod:`kenning.webhooks.outbox`) is the sink the
app wires in, :class:`NullSink` the default.

Event ids are deterministic where the same change can be reported twice (a
retried batch, a Neo4j transaction run again after a deadlock), so the outbox
stores it once and a receiver can de-duplicate on ``Kenning-Event-Id``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, Protocol

from kenning.domain.models import Scope

EventType = Literal["job.completed", "job.failed", "fact.superseded", "insight.created"]
#: Every event a webhook may subscribe to.
EVENT_TYPES: Final[tuple[EventType, ...]] = (
    "job.completed",
    "job.failed",
    "fact.superseded",
    "insight.created",
)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in one space.

    Attributes:
        id: ``ev_`` + 32 hex characters; the same change gives the same id.
        type: One of :data:`EVENT_TYPES`.
        occurred_at: When it happened (aware UTC).
        data: JSON values describing it (the webhook body's ``data``).
    """

    id: str
    type: EventType
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


def event_id(*parts: str) -> str:
    """A deterministic event id from the parts naming one change
    (e.g. the fact id and the fact superseding it)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"ev_{digest}"


class EventSink(Protocol):
    """Where use cases report events. Implementations must not raise for a
    delivery problem: a lost notification must never fail the change itself."""

    async def publish(self, scope: Scope, events: Sequence[Event]) -> None:
        """Record ``events`` of ``scope`` for delivery (safe to repeat: an
        event id already recorded is not recorded again)."""

    async def episodes_settled(
        self, scope: Scope, episode_ids: Sequence[str], job_id: str | None = None
    ) -> None:
        """``episode_ids`` are finished (done or failed): by the ingest
        worker, or already when a job of duplicates only was submitted; the
        sink reports the jobs over them that are now finished (only
        ``job_id`` when given)."""


class NullSink:
    """An :class:`EventSink` that drops every event (no webhooks wired)."""

    async def publish(self, scope: Scope, events: Sequence[Event]) -> None:
        """Drop ``events``."""

    async def episodes_settled(
        self, scope: Scope, episode_ids: Sequence[str], job_id: str | None = None
    ) -> None:
        """Do nothing."""

"""Webhook API and store models (no I/O)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from kenning.domain.models import Model, SpaceId
from kenning.webhooks.events import EventType

DeliveryStatus = Literal["pending", "delivered", "failed"]
#: Longest webhook URL accepted, in characters.
URL_MAX_CHARS = 2048


class WebhookCreate(Model):
    """``POST /v1/webhooks``: where to send which events."""

    url: str = Field(
        min_length=1,
        max_length=URL_MAX_CHARS,
        description="An http(s) URL; private, loopback and link-local targets are refused "
        "unless KENNING_WEBHOOK_ALLOW_PRIVATE is set.",
    )
    events: list[EventType] = Field(
        min_length=1, max_length=4, description="Events to send (at least one)."
    )
    secret: str | None = Field(
        None,
        min_length=16,
        max_length=256,
        description="HMAC-SHA256 signing secret (16-256 characters); absent: one is "
        "generated and answered once.",
    )
    spaces: list[SpaceId] | None = Field(
        None, max_length=100, description="Only events of these spaces; absent: every space."
    )


class Webhook(Model):
    """A registered webhook (its secret is never answered again)."""

    id: str
    url: str
    events: list[EventType]
    spaces: list[str] | None = None
    created_at: datetime


class WebhookCreated(Webhook):
    """The answer to ``POST /v1/webhooks``: the webhook and its secret, shown once."""

    secret: str


class DeliveryAttempt(Model):
    """One try to deliver an event.

    ``status_code`` is None when no HTTP answer came (refused, timed out, an
    address refused by the SSRF rule); ``error`` says why it failed.
    """

    attempt: int
    at: datetime
    status_code: int | None = None
    latency_ms: float
    error: str | None = None


class Delivery(Model):
    """One event for one webhook, and its tries, newest first."""

    id: str
    event_id: str
    event: EventType
    space: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    log: list[DeliveryAttempt] = Field(default_factory=list)

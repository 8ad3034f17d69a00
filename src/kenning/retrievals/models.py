"""The retrieval log's shapes (issue 16 §3; CONTRACT-15-16.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from kenning.domain.models import Model

#: What asked: ``POST /v1/search``, ``POST /v1/context`` or the chat proxy.
RetrievalKind = Literal["search", "context", "proxy"]


class ChannelRank(Model):
    """How one retrieval channel ranked a result (rank is 1-based)."""

    rank: int
    score: float


class RetrievalResult(Model):
    """One returned result: ``key`` is ``fact:<id>`` or ``episode:<id>``;
    ``rank`` is 1-based in the answer, ``score`` the fused (RRF) score."""

    key: str
    rank: int
    score: float
    channels: dict[str, ChannelRank]


class RetrievalFilters(Model):
    """The filters the retrieval ran with (None: not set)."""

    agent_id: str | None = None
    run_id: str | None = None
    app_id: str | None = None
    as_of: datetime | None = None
    known_at: datetime | None = None
    top_k: int | None = None


class RetrievalLog(Model):
    """One logged retrieval. ``latency_ms`` is the retrieval's own time (search
    and, for context and proxy, rendering the block), in ms; ``key_id`` the
    caller's managed key (None: a static or development key); ``created_at``
    UTC."""

    id: str
    space: str
    kind: RetrievalKind
    query: str
    filters: RetrievalFilters
    results: list[RetrievalResult]
    latency_ms: float
    key_id: str | None = None
    created_at: datetime


class RetrievalPage(Model):
    """``GET /v1/retrievals``: newest first; pass ``next_cursor`` as ``cursor``
    for the next page (null: no more)."""

    items: list[RetrievalLog]
    next_cursor: str | None = Field(None, description="Opaque; null on the last page.")

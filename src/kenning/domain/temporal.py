"""Shapes of timelines, corrections and deletions (no I/O)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from kenning.domain.models import Fact, Instant, Model

Reason = Annotated[str, Field(min_length=1, max_length=500)]

#: What happened to a fact at an instant of a timeline:
#: ``started`` (its valid_from), ``stated`` (first said, when the start is
#: unknown), ``ended`` (its valid_to) or ``superseded`` (closed by a newer fact).
EventKind = Literal["started", "stated", "ended", "superseded"]


class EpisodeSource(Model):
    """An episode a fact came from."""

    id: str
    occurred_at: datetime
    speaker: str | None
    content: str


class TimelineEvent(Model):
    """One entry of a timeline: a fact starting, ending or being superseded."""

    at: datetime
    kind: EventKind
    fact: Fact
    sources: list[EpisodeSource]


class FactUpdate(Model):
    """A correction of a fact (``PATCH``): only the fields sent change.

    ``valid_from`` / ``valid_to`` set the *stated* valid time; for functional
    predicates supersession then derives the interval. Send ``null`` to clear
    a stated bound. The triple itself is not editable: invalidate or delete it
    and post the right one.
    """

    valid_from: Instant | None = None
    valid_to: Instant | None = None
    confidence: float | None = Field(None, ge=0.0, le=1.0)
    text: Annotated[str, Field(min_length=1)] | None = Field(
        None, description="At most KENNING_MAX_TEXT_CHARS (default 2000) characters."
    )


class Deletion(Model):
    """What a hard delete removed."""

    facts: int = 0
    episodes: int = 0
    entities: int = 0
    nodes: int = 0

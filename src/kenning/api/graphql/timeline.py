"""GraphQL views of a timeline: facts starting, ending and being superseded."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from kenning.api.graphql.types import FactType
from kenning.domain.temporal import EpisodeSource, TimelineEvent


@strawberry.enum(description="What happened to a fact at an instant of a timeline.")
class EventKind(Enum):
    STARTED = "started"
    STATED = "stated"
    ENDED = "ended"
    SUPERSEDED = "superseded"


@strawberry.type(description="An episode a fact came from.")
class EpisodeSourceType:
    id: strawberry.ID
    occurred_at: datetime
    speaker: str | None
    content: str

    @classmethod
    def of(cls, e: EpisodeSource) -> EpisodeSourceType:
        """The GraphQL view of an episode source."""
        return cls(
            id=strawberry.ID(e.id), occurred_at=e.occurred_at, speaker=e.speaker, content=e.content
        )


@strawberry.type(name="TimelineEvent", description="One entry of a timeline, in time order.")
class TimelineEventType:
    at: datetime
    kind: EventKind
    fact: FactType
    sources: list[EpisodeSourceType]

    @classmethod
    def of(cls, e: TimelineEvent, reader: str | None = None) -> TimelineEventType:
        """The GraphQL view of a timeline event (``reader``: the space read)."""
        return cls(
            at=e.at,
            kind=EventKind(e.kind),
            fact=FactType.of(e.fact, reader),
            sources=[EpisodeSourceType.of(s) for s in e.sources],
        )

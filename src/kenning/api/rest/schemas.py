"""Request and response bodies of the REST API."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kenning.domain.models import (
    EpisodeCreate,
    Fact,
    FactCreate,
    Instant,
    JobStatus,
    Model,
    SearchHit,
    SpaceId,
)
from kenning.domain.rules import QUERY_MAX_CHARS


class EpisodeBatch(Model):
    """``POST /v1/episodes``: messages of one space, in the order they were said."""

    space: SpaceId
    episodes: list[EpisodeCreate] = Field(
        min_length=1, description="1 to KENNING_MAX_BATCH (default 500) episodes."
    )


class EpisodesAccepted(Model):
    """``202``: stored durably; extraction runs in the background."""

    job_id: str
    status_url: str
    episode_ids: list[str] = Field(description="One per input episode, in order.")
    created: int
    duplicates: int = Field(description="Episodes already stored (resent); not stored again.")


class JobView(JobStatus):
    """``GET /v1/jobs/{id}``: ``finished`` once no episode is pending or processing."""

    finished: bool

    @classmethod
    def of(cls, status: JobStatus) -> JobView:
        """The view of a job's status."""
        finished = status.pending == 0 and status.processing == 0
        return cls(**status.model_dump(), finished=finished)


class FactBatch(Model):
    """``POST /v1/facts``: structured triples, stored without extraction."""

    space: SpaceId
    facts: list[FactCreate] = Field(
        min_length=1, description="1 to KENNING_MAX_BATCH (default 500) facts."
    )


class FactsStored(Model):
    """``201``: the facts as stored, in input order."""

    facts: list[Fact]


class SearchRequest(Model):
    """``POST /v1/search``."""

    space: SpaceId
    query: Annotated[str, Field(min_length=1, max_length=QUERY_MAX_CHARS)]
    top_k: int = Field(10, ge=1, le=100)
    as_of: Instant | None = Field(None, description="Valid time: facts true then. Default now.")
    known_at: Instant | None = Field(
        None, description="Transaction time: what memory knew then. Default now."
    )
    include_shared: bool = Field(
        True, description="Also what other spaces share with this space's teams."
    )


class SearchResponse(Model):
    """Fused results, best first, each with its channel scores and sources."""

    results: list[SearchHit]


class SpaceStatsView(Model):
    """Counts in one space."""

    space: str
    episodes: int
    entities: int
    facts: int


class StatsResponse(Model):
    """``GET /v1/stats``."""

    spaces: list[SpaceStatsView]

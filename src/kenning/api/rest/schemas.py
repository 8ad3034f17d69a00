"""Request and response bodies of the REST API.

They import nothing of the app or the store, so the SDK (``kenning.client``)
parses answers with them without loading FastAPI, spaCy or a model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from kenning.agents.models import AgentName, AgentRun
from kenning.domain.models import (
    CategoryFilter,
    Entity,
    EpisodeCreate,
    Fact,
    FactCreate,
    Instant,
    JobStatus,
    Model,
    SearchHit,
    SpaceId,
    Tag,
)
from kenning.domain.rules import QUERY_MAX_CHARS
from kenning.domain.temporal import TimelineEvent


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


AGENT_FILTER = "Only memory tagged with this agent_id (episodes and facts; shared facts too)."
RUN_FILTER = "Only memory tagged with this run_id."
APP_FILTER = "Only memory tagged with this app_id."


class CategoryFields(Model):
    """Body fields of a read limited to one memory category (issue 16 §1);
    given ones combine with AND, none: no filter."""

    agent_id: Tag | None = Field(None, description=AGENT_FILTER)
    run_id: Tag | None = Field(None, description=RUN_FILTER)
    app_id: Tag | None = Field(None, description=APP_FILTER)

    def categories(self) -> CategoryFilter:
        """The filter these fields name (empty: none)."""
        return CategoryFilter(self.agent_id, self.run_id, self.app_id)


class SearchRequest(CategoryFields):
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


class ContextResponse(Model):
    """A block of facts and conversation excerpts with dates, within the budget."""

    context: str
    tokens: int = Field(description="Tokens in `context`, counted by `tokenizer`.")
    token_budget: int
    tokenizer: str
    hits: list[SearchHit] = Field(description="The results in the block, best first.")


class RunsStarted(Model):
    """The runs started, in the order curator, connector, digest."""

    run_ids: list[str]
    runs: list[AgentRun]


class UndoResult(Model):
    """An undone run and the changes reverted, counted by kind."""

    run: AgentRun
    reverted: dict[str, int]


class ScheduledAgent(Model):
    """One agent's schedule."""

    agent: AgentName
    cron: str = Field(description="KENNING_AGENT_<AGENT>_CRON; empty: not scheduled.")
    next_run_at: datetime | None = Field(description="Next firing (UTC); null when off.")


class Schedule(Model):
    """Every agent's schedule."""

    agents: list[ScheduledAgent]


class GraphNodeView(Model):
    """A node: an entity and its hops from the centre (0 without a centre)."""

    id: str
    name: str
    type: str
    distance: int
    entity: Entity


class GraphEdgeView(Model):
    """An edge: a fact from its subject (``source``) to its object (``target``)."""

    id: str
    source: str
    target: str
    predicate: str
    label: str
    fact: Fact


class GraphView(Model):
    """``GET /v1/graph``: nodes and edges ready for a graph view."""

    nodes: list[GraphNodeView]
    edges: list[GraphEdgeView]
    truncated: bool


class TimelineResponse(Model):
    """Events in time order; at one instant, endings come before starts."""

    events: list[TimelineEvent]


class ImportAnswer(Model):
    """``POST /v1/spaces/{space}/import``: what was written."""

    space: str
    counts: dict[str, int]
    ids: Literal["keep", "new"]


class EssentialResponse(Model):
    """The facts an assistant should know at the start of every session."""

    space: str
    facts: list[Fact] = Field(description="The chosen facts, most essential first.")
    context: str = Field(description="The facts as a prompt block ('Essential facts:' + lines).")
    tokens: int = Field(description="Tokens in `context`, counted as POST /v1/context counts.")
    token_budget: int
    generated_at: datetime = Field(
        description="When the choice was made (UTC); a cached answer keeps it."
    )

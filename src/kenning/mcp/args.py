"""Arguments and results of the MCP tools.

Where a REST route reads a body, the tool takes that very model
(:class:`~kenning.api.rest.schemas.SearchRequest`,
:class:`~kenning.api.rest.context.ContextRequest`, ...), extended at most by a
wait. Where a route reads query parameters, the model here is built from the
same types and limits the route declares (``SpaceId``, ``ItemId``,
``Instant``, ``MAX_GRAPH_EDGES``, the insight kinds), so a value one surface
refuses the other refuses too.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from kenning.agents.models import AgentName, AgentRun, InsightStatus
from kenning.api.rest.agents import RunRequest
from kenning.api.rest.insights import ALL_KINDS
from kenning.api.rest.schemas import EpisodeBatch, EpisodesAccepted, JobView, RunsStarted
from kenning.domain.models import Instant, ItemId, Model, SpaceId
from kenning.domain.rules import ID_MAX_CHARS
from kenning.graph.service import MAX_GRAPH_EDGES, MAX_NEIGHBORHOOD_DEPTH

#: Longest a tool waits for a job or an agent run before it answers, in s.
MAX_WAIT_S = 120.0

WaitS = Annotated[
    float,
    Field(
        ge=0,
        le=MAX_WAIT_S,
        description=f"Seconds to wait for the work to finish before answering "
        f"(0 to {MAX_WAIT_S:.0f}; 0: answer at once and let it run in the background).",
    ),
]


class AddArgs(EpisodeBatch):
    """``memory_add``: the body of ``POST /v1/episodes``, plus a wait."""

    wait_s: WaitS = 0.0


class AddResult(EpisodesAccepted):
    """The ingest job, and its status when the call waited for it."""

    job: JobView | None = Field(
        None, description="The job's status when the call returned (null when wait_s is 0)."
    )


class JobArgs(Model):
    """``memory_job``: an ingest job to look at."""

    job_id: ItemId = Field(description="The `job_id` memory_add answered.")
    wait_s: WaitS = 0.0


class EssentialArgs(Model):
    """``memory_essential``: the query parameters of ``GET /v1/essential``."""

    space: SpaceId
    max_tokens: int = Field(400, ge=16, le=100_000, description="Most tokens the block may hold.")


class TimelineArgs(Model):
    """``memory_timeline``: the query parameters of ``GET /v1/timeline``."""

    space: SpaceId
    entity: ItemId | None = Field(None, description="Only facts about this entity id (`en_…`).")
    start: Instant | None = Field(None, description="Window start (valid time); default: ever.")
    end: Instant | None = Field(None, description="Window end (valid time); default: now on.")
    predicate: list[str] | None = Field(None, description="Only these predicates.")
    known_at: Instant | None = Field(
        None, description="What memory believed then (transaction time); default now."
    )
    limit: int = Field(500, ge=1, le=5000, description="Most facts.")


class GraphArgs(Model):
    """``memory_graph``: an entity's neighbourhood, as ``GET /v1/graph?entity=``."""

    space: SpaceId
    entity: str = Field(
        min_length=1, max_length=256, description="The centre: an entity id (`en_…`) or a name."
    )
    depth: int = Field(1, ge=1, le=MAX_NEIGHBORHOOD_DEPTH, description="Hops from the centre.")
    limit: int = Field(100, ge=1, le=MAX_GRAPH_EDGES, description="Most edges.")
    predicates: list[str] | None = Field(None, description="Only these predicates.")
    as_of: Instant | None = Field(None, description="Facts valid then; default now.")


class InsightArgs(Model):
    """``memory_insights``: the query parameters of ``GET /v1/insights``."""

    space: SpaceId
    agent: AgentName | None = Field(None, description="Only this agent's.")
    kind: str | None = Field(
        None, max_length=64, description=f"Only this kind: one of {', '.join(ALL_KINDS)}."
    )
    status: InsightStatus | None = Field(None, description="open, dismissed or resolved.")
    since: Instant | None = Field(None, description="Created at or after.")
    entity: ItemId | None = Field(None, description="Only those about this entity id.")
    limit: int = Field(20, ge=1, le=500, description="Page size.")
    after: str = Field(
        "",
        max_length=ID_MAX_CHARS,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="`next_after` of the previous page; empty for the first.",
    )

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value is not None and value not in ALL_KINDS:
            raise ValueError(f"must be one of {', '.join(ALL_KINDS)}")
        return value


class RunArgs(RunRequest):
    """``memory_run_agents``: the body of ``POST /v1/agents/run``, plus a wait."""

    wait_s: WaitS = 0.0


class RunsResult(RunsStarted):
    """The runs started; when the call waited, as they stood when it returned."""

    finished: bool = Field(description="Every run has ended (succeeded or failed).")

    @classmethod
    def of(cls, runs: list[AgentRun]) -> RunsResult:
        """The result for ``runs``."""
        done = all(r.status != "running" for r in runs)
        return cls(run_ids=[r.id for r in runs], runs=runs, finished=done)


class ForgetArgs(Model):
    """``memory_forget``: an episode or a fact to delete for good."""

    space: SpaceId
    kind: Literal["episode", "fact"] = Field(description="What `id` names.")
    id: ItemId = Field(description="An episode id (`ep_…`) or a fact id (`fa_…`).")

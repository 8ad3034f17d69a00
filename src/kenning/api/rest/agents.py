"""The memory agents over REST: start runs, follow them, undo, the schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import Field

from kenning.agents.models import AgentName, AgentRun
from kenning.agents.service import AgentChoice
from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope, write_scope
from kenning.api.rest.responses import BODY, COMMON, errors
from kenning.domain.models import ItemId as ItemIdType
from kenning.domain.models import Model, Page, SpaceId
from kenning.domain.rules import ID_MAX_CHARS

router = APIRouter(prefix="/v1/agents", tags=["agents"], responses=COMMON)

RunId = Annotated[ItemIdType, Path(description="A run id (`run_…`).")]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
After = Annotated[
    str,
    Query(
        max_length=ID_MAX_CHARS,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="`next_after` of the previous page; empty for the first.",
    ),
]


def _with(status_code: int, description: str) -> dict[int | str, dict[str, Any]]:
    """The error answer of ``status_code`` with a route's own description."""
    entry = errors(status_code)[status_code]
    return {status_code: {**entry, "description": description}}


_RUNNING = "The agent (one of them, for `all`) is already running on this space; retry later."


class RunRequest(Model):
    """``POST /v1/agents/run``: which agent, over which space."""

    space: SpaceId
    agent: AgentChoice = Field("all", description="One agent, or all three.")
    auto_fix: bool = Field(
        False, description="Curator only: repair what it finds (recorded; undo restores it)."
    )


class RunsStarted(Model):
    """The runs started, in the order curator, connector, digest."""

    run_ids: list[str]
    runs: list[AgentRun]


class SpaceBody(Model):
    """A body naming the space of the item in the path."""

    space: SpaceId


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


@router.post(
    "/run",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RunsStarted,
    responses={**BODY, **_with(409, _RUNNING)},
)
async def run_agents(body: RunRequest, caller: PrincipalDep, rt: RuntimeDep) -> RunsStarted:
    """Start an agent (or all three) over a space in the background; answers
    at once with the run ids. Follow a run with ``GET /v1/agents/runs/{id}``
    until its status is ``succeeded`` or ``failed``."""
    scope = await write_scope(rt, caller, body.space)
    runs = await rt.agents.run(scope, body.agent, "manual", body.auto_fix)
    return RunsStarted(run_ids=[r.id for r in runs], runs=runs)


@router.get("/runs", response_model=Page[AgentRun])
async def list_runs(
    space: SpaceId,
    caller: PrincipalDep,
    rt: RuntimeDep,
    agent: Annotated[AgentName | None, Query(description="Only this agent's runs.")] = None,
    limit: Limit = 50,
    after: After = "",
) -> Page[AgentRun]:
    """A page of the space's runs, newest first, with their stats."""
    return await rt.agents.runs(read_scope(caller, space), after, limit, agent)


@router.get("/runs/{run_id}", response_model=AgentRun, responses=errors(404))
async def get_run(run_id: RunId, space: SpaceId, caller: PrincipalDep, rt: RuntimeDep) -> AgentRun:
    """One run: ``running``, ``succeeded`` (with stats: ``ms``, insight
    counts, the analysis's own), ``failed`` (with ``error``) or ``undone``."""
    return await rt.agents.get_run(read_scope(caller, space), run_id)


@router.post(
    "/runs/{run_id}/undo",
    response_model=UndoResult,
    responses={
        **BODY,
        **errors(404),
        **_with(409, "The run is still running or already undone, or the curator is running."),
    },
)
async def undo_run(
    run_id: RunId, body: SpaceBody, caller: PrincipalDep, rt: RuntimeDep
) -> UndoResult:
    """Restore the graph as it was before a curator run with ``auto_fix``
    changed it, and mark the run ``undone``. 422 (field ``run_id``) for a run
    that changed nothing (another agent, or no ``auto_fix``)."""
    done = await rt.agents.undo(await write_scope(rt, caller, body.space), run_id)
    return UndoResult(run=done.run, reverted=done.reverted)


@router.get("/schedule", response_model=Schedule)
async def schedule(caller: PrincipalDep, rt: RuntimeDep) -> Schedule:
    """Each agent's cron (``KENNING_AGENT_<AGENT>_CRON``, UTC) and next firing.
    A firing runs the agent over every space with new episodes or facts
    since its last succeeded run there."""
    entries = rt.scheduler.schedule()
    return Schedule(
        agents=[
            ScheduledAgent(agent=e.agent, cron=e.cron, next_run_at=e.next_run_at) for e in entries
        ]
    )

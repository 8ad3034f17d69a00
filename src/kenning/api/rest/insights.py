"""Insights the memory agents wrote: list, read, dismiss."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kenning.agents.models import KINDS, AgentName, Insight, InsightStatus
from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope, write_scope
from kenning.api.rest.agents import After, Limit, SpaceBody
from kenning.api.rest.responses import BODY, COMMON, errors
from kenning.domain.models import Instant, Page, SpaceId
from kenning.domain.models import ItemId as ItemIdType
from kenning.errors import InputError
from kenning.store.agent_runs_port import InsightFilter

router = APIRouter(prefix="/v1/insights", tags=["agents"], responses=COMMON)

InsightId = Annotated[ItemIdType, Path(description="An insight id (`in_…`).")]
#: Every insight kind, for the ``kind`` filter.
ALL_KINDS = tuple(k for kinds in KINDS.values() for k in kinds)


@router.get("", response_model=Page[Insight])
async def list_insights(
    space: SpaceId,
    caller: PrincipalDep,
    rt: RuntimeDep,
    agent: Annotated[AgentName | None, Query(description="Only this agent's.")] = None,
    kind: Annotated[
        str | None, Query(max_length=64, description=f"One of {', '.join(ALL_KINDS)}.")
    ] = None,
    status: Annotated[InsightStatus | None, Query(description="open, dismissed, resolved.")] = None,
    since: Annotated[Instant | None, Query(description="Created at or after (ISO 8601).")] = None,
    entity: Annotated[ItemIdType | None, Query(description="Only those about this entity.")] = None,
    limit: Limit = 50,
    after: After = "",
) -> Page[Insight]:
    """A page of the space's insights, newest first. Each names the entities
    it is about and its evidence (fact and episode ids); ``data`` holds
    details for programs (e.g. which duplicate to keep)."""
    if kind is not None and kind not in ALL_KINDS:
        raise InputError(f"kind: must be one of {', '.join(ALL_KINDS)}", field="kind")
    where = InsightFilter(agent=agent, kind=kind, status=status, since=since, entity_id=entity)
    return await rt.agents.insights(read_scope(caller, space), where, after, limit)


@router.get("/{insight_id}", response_model=Insight, responses=errors(404))
async def get_insight(
    insight_id: InsightId, space: SpaceId, caller: PrincipalDep, rt: RuntimeDep
) -> Insight:
    """One insight."""
    return await rt.agents.insight(read_scope(caller, space), insight_id)


@router.post("/{insight_id}/dismiss", response_model=Insight, responses={**BODY, **errors(404)})
async def dismiss_insight(
    insight_id: InsightId, body: SpaceBody, caller: PrincipalDep, rt: RuntimeDep
) -> Insight:
    """Dismiss an insight: it leaves the open list and a re-run does not
    bring it back (same fingerprint). Safe to repeat."""
    return await rt.agents.dismiss(await write_scope(rt, caller, body.space), insight_id)

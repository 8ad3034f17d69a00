"""Timelines, corrections and hard deletes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import Field

from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope, write_scope
from kenning.api.rest.categories import CategoriesDep
from kenning.api.rest.responses import BODY, COMMON, errors
from kenning.api.rest.schemas import TimelineResponse
from kenning.domain.models import Fact, Instant, Model, SpaceId
from kenning.domain.models import ItemId as ItemIdType
from kenning.domain.temporal import Deletion, FactUpdate, Reason
from kenning.errors import NotFound

router = APIRouter(prefix="/v1", tags=["time"], responses=COMMON)

ItemId = Annotated[ItemIdType, Path()]
EntityId = Annotated[ItemIdType | None, Query(description="An entity id.")]
#: A body route that names an item: 404 when it does not exist.
BODY_ITEM = {**BODY, **errors(404)}
When = Annotated[Instant | None, Query(description="ISO 8601 with a zone.")]
IncludeShared = Annotated[
    bool, Query(description="Also what other spaces share with this space's teams.")
]


class InvalidateRequest(Model):
    """``POST /v1/facts/{id}/invalidate``: the fact stopped being true."""

    space: SpaceId
    valid_to: Instant | None = Field(None, description="When it stopped being true; default now.")
    reason: Reason | None = None


class FactPatch(FactUpdate):
    """``PATCH /v1/facts/{id}``: correct stated valid time, confidence or text,
    or mark the fact private (never shared with a team) or not."""

    space: SpaceId
    private: bool | None = None


@router.get("/timeline", response_model=TimelineResponse)
async def timeline(
    space: SpaceId,
    caller: PrincipalDep,
    rt: RuntimeDep,
    categories: CategoriesDep,
    entity: EntityId = None,
    start: When = None,
    end: When = None,
    predicate: Annotated[list[str] | None, Query(description="Repeat to allow several.")] = None,
    known_at: When = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="Most facts.")] = 500,
    include_shared: IncludeShared = True,
) -> TimelineResponse:
    """Facts of a space (or of one entity) starting, being first stated, ending
    and being superseded, in time order, each with its source episodes.
    ``start``/``end`` bound the window (valid time); ``known_at`` shows what
    memory believed then (transaction time; default now);
    ``agent_id``/``run_id``/``app_id`` keep only facts with those tags."""
    scope = read_scope(caller, space)
    events = await rt.temporal.timeline(
        scope,
        entity_id=entity,
        start=start,
        end=end,
        predicates=predicate,
        known_at=known_at,
        limit=limit,
        shared=await rt.sharing.scope(scope, include_shared),
        categories=categories,
    )
    return TimelineResponse(events=events)


@router.post("/facts/{fact_id}/invalidate", response_model=Fact, responses=BODY_ITEM)
async def invalidate(
    fact_id: ItemId, body: InvalidateRequest, caller: PrincipalDep, rt: RuntimeDep
) -> Fact:
    """End a fact's valid time at ``valid_to`` (default now), with a reason.
    The state memory held before is kept as an archived version."""
    scope = await write_scope(rt, caller, body.space)
    return await rt.temporal.invalidate(scope, fact_id, valid_to=body.valid_to, reason=body.reason)


@router.patch("/facts/{fact_id}", response_model=Fact, responses=BODY_ITEM)
async def update(fact_id: ItemId, body: FactPatch, caller: PrincipalDep, rt: RuntimeDep) -> Fact:
    """Correct a fact; only the fields sent change (``null`` clears a stated
    bound). The state memory held before is kept as an archived version."""
    rt.settings.input_limits.check_text("text", body.text)
    scope = await write_scope(rt, caller, body.space)
    fields = body.model_dump(exclude={"space", "private"}, exclude_unset=True)
    if body.private is not None:
        if not await rt.store.set_private(scope, "fact", [fact_id], body.private):
            raise NotFound(f"no fact {fact_id!r} in space {body.space!r}")
        if not fields:
            return (await rt.store.get_facts(scope, [fact_id]))[0]
    return await rt.temporal.update(scope, fact_id, FactUpdate(**fields))


@router.delete("/facts/{fact_id}", response_model=Deletion, responses=errors(404))
async def delete_fact(
    fact_id: ItemId, space: SpaceId, caller: PrincipalDep, rt: RuntimeDep
) -> Deletion:
    """Hard-delete a fact and every version of it (no history is kept)."""
    return await rt.temporal.delete_fact(await write_scope(rt, caller, space), fact_id)


@router.delete("/episodes/{episode_id}", response_model=Deletion, responses=errors(404))
async def delete_episode(
    episode_id: ItemId, space: SpaceId, caller: PrincipalDep, rt: RuntimeDep
) -> Deletion:
    """Hard-delete an episode, the facts only it supports, and entities left
    with nothing; other facts forget it as a source."""
    return await rt.temporal.delete_episode(await write_scope(rt, caller, space), episode_id)


@router.delete("/entities/{entity_id}", response_model=Deletion, responses=errors(404))
async def delete_entity(
    entity_id: ItemId, space: SpaceId, caller: PrincipalDep, rt: RuntimeDep
) -> Deletion:
    """Hard-delete an entity with its facts and mentions."""
    return await rt.temporal.delete_entity(await write_scope(rt, caller, space), entity_id)


@router.delete("/spaces/{space}", response_model=Deletion, responses=errors(404))
async def delete_space(space: SpaceId, caller: PrincipalDep, rt: RuntimeDep) -> Deletion:
    """Hard-delete everything in a space; other spaces are untouched."""
    return await rt.temporal.delete_space(await write_scope(rt, caller, space))

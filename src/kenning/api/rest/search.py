"""Hybrid search and per-space statistics."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope
from kenning.api.rest.responses import BODY, COMMON
from kenning.api.rest.schemas import (
    SearchRequest,
    SearchResponse,
    SpaceStatsView,
    StatsResponse,
)
from kenning.search.recall import ask_of

router = APIRouter(prefix="/v1", tags=["search"], responses=COMMON)


@router.post("/search", response_model=SearchResponse, responses=BODY)
async def search(body: SearchRequest, caller: PrincipalDep, rt: RuntimeDep) -> SearchResponse:
    """Facts and episodes ranked by reciprocal rank fusion of vector and
    full-text hits, each with its per-channel ranks and source episodes.
    Facts valid at ``as_of`` and known at ``known_at`` (default: now);
    ``agent_id``/``run_id``/``app_id`` keep only memory with those tags."""
    hits = await rt.recall.search(
        read_scope(caller, body.space), ask_of(body, body.top_k), caller.key_id
    )
    return SearchResponse(results=hits)


@router.get("/stats", response_model=StatsResponse)
async def stats(caller: PrincipalDep, rt: RuntimeDep) -> StatsResponse:
    """Counts of episodes, entities and facts in each space of the tenant
    that the caller's key may read."""
    views = []
    for space in await rt.store.list_spaces(caller.tenant):
        if not caller.may_read(space):
            continue
        s = await rt.store.space_stats(read_scope(caller, space))
        views.append(SpaceStatsView(**asdict(s)))
    return StatsResponse(spaces=views)

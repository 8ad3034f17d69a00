"""Hybrid search and per-space statistics."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from kenning.api.deps import RuntimeDep, TenantDep
from kenning.api.rest.responses import BODY, COMMON
from kenning.api.rest.schemas import (
    SearchRequest,
    SearchResponse,
    SpaceStatsView,
    StatsResponse,
)
from kenning.domain.models import Scope

router = APIRouter(prefix="/v1", tags=["search"], responses=COMMON)


@router.post("/search", response_model=SearchResponse, responses=BODY)
async def search(body: SearchRequest, tenant: TenantDep, rt: RuntimeDep) -> SearchResponse:
    """Facts and episodes ranked by reciprocal rank fusion of vector and
    full-text hits, each with its per-channel ranks and source episodes.
    Facts valid at ``as_of`` and known at ``known_at`` (default: now)."""
    scope = Scope(tenant=tenant, space=body.space)
    shared = await rt.sharing.scope(scope, body.include_shared)
    hits = await rt.search.search(
        scope, body.query, body.top_k, as_of=body.as_of, known_at=body.known_at, shared=shared
    )
    return SearchResponse(results=hits)


@router.get("/stats", response_model=StatsResponse)
async def stats(tenant: TenantDep, rt: RuntimeDep) -> StatsResponse:
    """Counts of episodes, entities and facts in each of the tenant's spaces."""
    views = []
    for space in await rt.store.list_spaces(tenant):
        s = await rt.store.space_stats(Scope(tenant=tenant, space=space))
        views.append(SpaceStatsView(**asdict(s)))
    return StatsResponse(spaces=views)

"""Retrieval logs: ``GET /v1/retrievals`` and ``GET /v1/retrievals/{id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope
from kenning.api.rest.responses import COMMON, errors
from kenning.domain.models import ItemId, SpaceId
from kenning.domain.rules import ID_MAX_CHARS
from kenning.retrievals.models import RetrievalLog, RetrievalPage

router = APIRouter(prefix="/v1", tags=["retrievals"], responses=COMMON)

Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=ID_MAX_CHARS,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="`next_cursor` of the previous page; absent for the first.",
    ),
]


@router.get("/retrievals", response_model=RetrievalPage)
async def list_retrievals(
    space: SpaceId, caller: PrincipalDep, rt: RuntimeDep, limit: Limit = 50, cursor: Cursor = None
) -> RetrievalPage:
    """The space's retrieval logs, newest first: each search, context and
    chat-proxy retrieval logged while ``KENNING_RETRIEVAL_LOG`` was ``on``
    (for the spaces of ``KENNING_RETRIEVAL_LOG_SPACES``), with its query,
    filters, returned ids with per-channel ranks and scores, latency (ms)
    and the caller's key id. The newest ``KENNING_RETRIEVAL_LOG_RETENTION``
    rows per space are kept."""
    return await rt.retrievals.page(read_scope(caller, space), limit, cursor)


@router.get("/retrievals/{log_id}", response_model=RetrievalLog, responses=errors(404))
async def get_retrieval(
    log_id: Annotated[ItemId, Path()], space: SpaceId, caller: PrincipalDep, rt: RuntimeDep
) -> RetrievalLog:
    """One retrieval log of the space."""
    return await rt.retrievals.get(read_scope(caller, space), log_id)

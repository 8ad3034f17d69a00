"""Export a space as ``kenning-jsonl`` and import one (see ``kenning/portable``)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope, write_scope
from kenning.api.rest.responses import BODY, COMMON, errors
from kenning.domain.models import Model, SpaceId
from kenning.errors import InputError
from kenning.portable import PortabilityService
from kenning.portable.service import MAX_LINE_BYTES

router = APIRouter(prefix="/v1/spaces", tags=["export and import"], responses=COMMON)

NDJSON = "application/x-ndjson"


class ImportAnswer(Model):
    """``POST /v1/spaces/{space}/import``: what was written."""

    space: str
    counts: dict[str, int]
    ids: Literal["keep", "new"]


@router.get(
    "/{space}/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {NDJSON: {}},
            "description": "header, episodes, entities, facts (every version), "
            "mentions, end; one JSON object per line.",
        },
    },
)
async def export_space(space: SpaceId, caller: PrincipalDep, rt: RuntimeDep) -> StreamingResponse:
    """Stream every item of a space as JSON Lines (``kenning-jsonl``), read from
    the store a page at a time. A stream that ends without its ``end`` line
    was cut short (the store failed part-way)."""
    scope = read_scope(caller, space)
    # One store round trip first, so a store that is down answers 503, not a
    # 200 with an empty body.
    await rt.store.space_stats(scope)
    lines = PortabilityService(rt.store).export_lines(scope)
    # RFC 6266/5987: a space name may hold any Unicode word character, which
    # a latin-1 header cannot carry as is.
    name = quote(f"{space}.kenning.jsonl")
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    return StreamingResponse(lines, media_type=NDJSON, headers=headers)


@router.post(
    "/{space}/import",
    response_model=ImportAnswer,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {NDJSON: {"schema": {"type": "string"}}},
            "description": "A kenning-jsonl file, as `GET /v1/spaces/{space}/export` gives.",
        }
    },
    responses={
        **BODY,
        409: {
            **errors(409)[409],
            "description": "The space is not empty, or a kept id is used in the tenant.",
        },
        422: {
            **errors(422)[422],
            "description": "A line breaks the format; `field` names the line.",
        },
    },
)
async def import_space(
    space: SpaceId,
    request: Request,
    caller: PrincipalDep,
    rt: RuntimeDep,
    ids: Annotated[
        Literal["keep", "new"],
        Query(description="keep the file's ids (exact), or give every item a new id."),
    ] = "keep",
) -> ImportAnswer:
    """Write an export into an empty space of the caller's tenant, in batches.
    All or nothing: a bad line is answered 422 naming it, and what was written
    before it is deleted."""
    service = PortabilityService(rt.store)
    result = await service.import_lines(
        await write_scope(rt, caller, space), _lines(request.stream()), ids
    )
    return ImportAnswer(space=result.space, counts=result.counts, ids=result.ids)


async def _lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """Split a streamed body at ``\\n`` without holding more than one line."""
    buffer = b""
    async for chunk in chunks:
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        for line in complete:
            yield line
        if len(buffer) > MAX_LINE_BYTES:
            raise InputError(f"a line is longer than {MAX_LINE_BYTES} bytes", "line")
    if buffer:
        yield buffer

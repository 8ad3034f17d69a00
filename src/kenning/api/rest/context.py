"""Prompt-ready context: ``POST /v1/context``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope
from kenning.api.rest.responses import BODY, COMMON
from kenning.api.rest.schemas import CategoryFields, ContextResponse
from kenning.domain.models import Instant, SpaceId
from kenning.domain.rules import QUERY_MAX_CHARS
from kenning.search.context import ContextBlock
from kenning.search.recall import ask_of

router = APIRouter(prefix="/v1", tags=["search"], responses=COMMON)


class ContextRequest(CategoryFields):
    """``POST /v1/context``: what to look for and how many tokens may come back."""

    space: SpaceId
    query: Annotated[str, Field(min_length=1, max_length=QUERY_MAX_CHARS)]
    token_budget: int = Field(
        1000, ge=16, le=100_000, description="Most tokens the block may hold."
    )
    max_items: int = Field(30, ge=1, le=100, description="Search results considered.")
    as_of: Instant | None = Field(None, description="Facts valid at this instant; default now.")
    known_at: Instant | None = Field(
        None, description="Only what memory knew at this instant; default now."
    )
    include_shared: bool = Field(
        True, description="Also what other spaces share with this space's teams."
    )


@router.post("/context", response_model=ContextResponse, responses=BODY)
async def context(body: ContextRequest, caller: PrincipalDep, rt: RuntimeDep) -> ContextResponse:
    """The best facts and episodes for ``query`` as a prompt block: facts with
    their valid time, then conversation excerpts with their dates and
    speakers, as many as fit in ``token_budget`` tokens."""
    scope = read_scope(caller, body.space)
    block = await rt.recall.context(
        scope, ask_of(body, body.max_items), body.token_budget, caller.key_id
    )
    return context_response(block)


def context_response(block: ContextBlock) -> ContextResponse:
    """The response body of a rendered block."""
    return ContextResponse(
        context=block.text,
        tokens=block.tokens,
        token_budget=block.budget,
        tokenizer=block.tokenizer,
        hits=block.hits,
    )

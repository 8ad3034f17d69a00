"""Structured facts and entity listings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope, write_scope
from kenning.api.rest.categories import CategoriesDep
from kenning.api.rest.responses import BODY, COMMON
from kenning.api.rest.schemas import FactBatch, FactsStored
from kenning.domain.models import Entity, Fact, Instant, Page, SpaceId
from kenning.domain.rules import ID_MAX_CHARS

router = APIRouter(prefix="/v1", tags=["facts"], responses=COMMON)

Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
After = Annotated[
    str,
    Query(
        max_length=ID_MAX_CHARS,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="`next_after` of the previous page; empty for the first.",
    ),
]
AsOf = Annotated[Instant | None, Query(description="Valid time (ISO 8601); default now.")]
KnownAt = Annotated[Instant | None, Query(description="Transaction time (ISO 8601); default now.")]


@router.post(
    "/facts", status_code=status.HTTP_201_CREATED, response_model=FactsStored, responses=BODY
)
async def add_facts(body: FactBatch, caller: PrincipalDep, rt: RuntimeDep) -> FactsStored:
    """Store triples without extraction. Re-posting a triple merges into it."""
    facts = await rt.ingest.add_facts(await write_scope(rt, caller, body.space), body.facts)
    return FactsStored(facts=facts)


@router.get("/facts", response_model=Page[Fact])
async def list_facts(
    space: SpaceId,
    caller: PrincipalDep,
    rt: RuntimeDep,
    categories: CategoriesDep,
    limit: Limit = 50,
    after: After = "",
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> Page[Fact]:
    """A page of the space's facts valid at ``as_of`` and known at ``known_at``
    (default: now), oldest first; ``agent_id``/``run_id``/``app_id`` keep only
    facts with those tags."""
    scope = read_scope(caller, space)
    return await rt.store.list_facts(
        scope, after, limit, as_of=as_of, known_at=known_at, categories=categories
    )


@router.get("/entities", response_model=Page[Entity])
async def list_entities(
    space: SpaceId, caller: PrincipalDep, rt: RuntimeDep, limit: Limit = 50, after: After = ""
) -> Page[Entity]:
    """A page of the space's entities, oldest first."""
    return await rt.store.list_entities(read_scope(caller, space), after, limit)

"""Essential memory: ``GET /v1/essential``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope
from kenning.api.rest.categories import CategoriesDep
from kenning.api.rest.responses import COMMON
from kenning.api.rest.schemas import EssentialResponse
from kenning.domain.models import SpaceId

router = APIRouter(prefix="/v1", tags=["search"], responses=COMMON)


@router.get("/essential", response_model=EssentialResponse)
async def essential(
    space: SpaceId,
    caller: PrincipalDep,
    rt: RuntimeDep,
    categories: CategoriesDep,
    max_tokens: Annotated[
        int, Query(ge=16, le=100_000, description="Most tokens `context` may hold.")
    ] = 400,
) -> EssentialResponse:
    """The space's essential facts: identity, home, work, relationships and
    lasting preferences, as current facts (valid now, not superseded) of the
    predicates of those topics. Functional predicates (single-valued, such as
    ``lives_in``, ``works_at``) come first, then facts stated by more episodes,
    then newer ones; at most two per subject and predicate; as many as fit in
    ``max_tokens``. Deterministic: the same memory gives the same answer.
    Cached per space until its facts change (or ``KENNING_ESSENTIAL_CACHE_S``
    passes), so calling it at the start of every session is cheap."""
    found = await rt.essential.essential(read_scope(caller, space), max_tokens, categories)
    # Same fields as the service's Essential (a dataclass): read them off it.
    return EssentialResponse.model_validate(found, from_attributes=True)

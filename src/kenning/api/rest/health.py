"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from kenning import __version__
from kenning.api.deps import RuntimeDep
from kenning.api.rest.responses import HEALTH

router = APIRouter(tags=["operations"])


@router.get("/healthz", responses=HEALTH)
async def healthz(rt: RuntimeDep) -> dict[str, str]:
    """``200`` when the graph store answers; ``503`` (with Retry-After) when not."""
    await rt.store.ping()
    return {"status": "ok", "engine": rt.store.dialect, "version": __version__}

"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from kenning import __version__
from kenning.api.deps import RuntimeDep
from kenning.api.rest.responses import HEALTH
from kenning.errors import StoreUnavailable

router = APIRouter(tags=["operations"])

#: Seconds ``/healthz`` may take, whatever the load or the store's state.
HEALTH_TIMEOUT_S = 0.9


@router.get("/healthz", responses=HEALTH)
async def healthz(rt: RuntimeDep) -> dict[str, str]:
    """``200`` when the graph store answered in the last 2 s or answers a ping
    now; ``503`` (with Retry-After) when not. Answers within 1 s: a busy
    connection pool never delays it."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_S):
            await rt.store.health()
    except TimeoutError as exc:
        raise StoreUnavailable(f"no health answer within {HEALTH_TIMEOUT_S:g} s") from exc
    return {"status": "ok", "engine": rt.store.dialect, "version": __version__}

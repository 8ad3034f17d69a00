"""``GET /metrics``: Prometheus text exposition (see ``kenning/observability``)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kenning.api.deps import RuntimeDep
from kenning.api.rest.responses import errors
from kenning.observability import Metrics

router = APIRouter(tags=["operations"])
_bearer = HTTPBearer(auto_error=False)


def _check_metrics_key(
    rt: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Open unless ``KENNING_METRICS_KEY`` is set; then that key is required
    (tenant API keys do not open it: metrics span all tenants)."""
    key = rt.settings.metrics_key
    if not key:
        return
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode(), key.encode()):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong metrics key (Authorization: Bearer <KENNING_METRICS_KEY>)",
            headers={"WWW-Authenticate": "Bearer"},
        )


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=[Depends(_check_metrics_key)],
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format."},
        401: {**errors(401)[401], "description": "KENNING_METRICS_KEY is set and was not sent."},
    },
)
async def metrics(request: Request, rt: RuntimeDep) -> Response:
    """Request, store, ingest-queue and engine metrics for Prometheus. The ingest
    queue depth is read from the graph at each scrape (at most 1 s)."""
    registry: Metrics = request.app.state.metrics
    await registry.refresh(rt.store)
    body, content_type = registry.render()
    return Response(body, media_type=content_type)

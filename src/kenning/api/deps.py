"""Request dependencies as ``Annotated`` aliases."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kenning.api.runtime import Runtime

#: Tenant of every caller when no API keys are configured (development).
DEFAULT_TENANT = "default"

_bearer = HTTPBearer(auto_error=False)

#: The bearer credentials sent, if any.
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


# The dependencies are ``async def`` although they never wait: FastAPI runs a
# plain ``def`` dependency in its thread pool, two thread hand-offs per request
# for a dictionary lookup.


async def get_runtime(request: Request) -> Runtime:
    """The app's runtime (store, services)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_tenant(runtime: RuntimeDep, credentials: BearerDep) -> str:
    """The caller's tenant (see :func:`tenant_for`); a request dependency.

    Raises:
        HTTPException: 401 when keys are configured and the bearer key is
            missing or unknown.
    """
    return tenant_for(runtime, credentials)


def tenant_for(runtime: Runtime, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The caller's tenant, from its API key; never from the request body.

    Raises:
        HTTPException: 401 when keys are configured and the bearer key is
            missing or unknown.
    """
    keys = runtime.settings.api_keys
    if not keys:
        return DEFAULT_TENANT
    given = credentials.credentials if credentials else ""
    for key, tenant in keys.items():
        if secrets.compare_digest(given.encode(), key.encode()):
            return tenant
    raise HTTPException(
        status_code=401,
        detail="missing or unknown API key (Authorization: Bearer <key>)",
        headers={"WWW-Authenticate": "Bearer"},
    )


TenantDep = Annotated[str, Depends(get_tenant)]

"""Who is calling an MCP tool: the tenant of the caller's API key.

Over streamable HTTP the key is the request's ``Authorization: Bearer`` header,
checked by :class:`KeyGate` before the MCP transport sees the request; over
stdio it is ``KENNING_API_KEY``, checked once at start-up. Both go through
:func:`tenant_of_key`, the one place MCP turns a key into a caller, and that
calls the REST API's own lookup (:func:`kenning.api.deps.tenant_for`).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException
from fastapi.security import HTTPAuthorizationCredentials
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from kenning.api.deps import tenant_for
from kenning.api.errors import error_body
from kenning.api.runtime import Runtime

#: The ASGI scope key where :class:`KeyGate` leaves the caller's tenant.
TENANT_KEY = "kenning.tenant"


def tenant_of_key(runtime: Runtime, key: str | None) -> str:
    """The tenant of API key ``key`` (``None``: no key sent).

    Raises:
        HTTPException: 401 when keys are configured and ``key`` is missing or
            unknown (from :func:`kenning.api.deps.tenant_for`).
    """
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=key) if key else None
    return tenant_for(runtime, credentials)


def bearer_key(headers: Headers) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if any."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class KeyGate:
    """ASGI wrapper of the MCP endpoint: a request without a valid key gets
    ``401`` in the API's error format (``WWW-Authenticate: Bearer``) and never
    reaches the MCP transport; an admitted one carries its tenant in the
    scope (:data:`TENANT_KEY`).

    Args:
        app: The MCP transport.
        runtime_of: The app's runtime (set by its lifespan).
    """

    def __init__(self, app: ASGIApp, runtime_of: Callable[[], Runtime]) -> None:
        self.app = app
        self.runtime_of = runtime_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Admit the request with its tenant, or answer 401."""
        key = bearer_key(Headers(scope=scope))
        try:
            tenant = tenant_of_key(self.runtime_of(), key)
        except HTTPException as exc:
            body = error_body("unauthorized", str(exc.detail))
            answer = JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
            await answer(scope, receive, send)
            return
        await self.app({**scope, TENANT_KEY: tenant}, receive, send)


def tenant_of(ctx: Context, stdio_tenant: str | None) -> str:
    """The tenant of the tool call in ``ctx``: the one :class:`KeyGate` found
    for an HTTP request, else ``stdio_tenant``.

    Raises:
        ToolError: neither is known (an HTTP request that bypassed the gate).
    """
    request = ctx.request_context.request
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict) and isinstance(tenant := scope.get(TENANT_KEY), str):
        return tenant
    if request is None and stdio_tenant is not None:
        return stdio_tenant
    raise ToolError("unauthorized: no API key was checked for this call")

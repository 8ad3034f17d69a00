"""Who is calling an MCP tool: the principal of the caller's API key.

Over streamable HTTP the key is the request's ``Authorization: Bearer`` header,
checked by :class:`KeyGate` before the MCP transport sees the request; over
stdio it is ``KENNING_API_KEY``, checked once at start-up. Both go through
:func:`principal_of_key`, the one place MCP turns a key into a caller, and that
calls the REST API's own lookup (:func:`kenning.api.deps.principal_for`), so
roles, member spaces, revocation and rate limits apply as over REST.
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

from kenning.access.principal import Principal
from kenning.api.deps import principal_for
from kenning.api.errors import error_body
from kenning.api.runtime import Runtime

#: The ASGI scope key where :class:`KeyGate` leaves the caller's principal.
PRINCIPAL_KEY = "kenning.principal"


async def principal_of_key(runtime: Runtime, key: str | None) -> Principal:
    """The principal of API key ``key`` (``None``: no key sent).

    Raises:
        HTTPException: 401 when keys are required and ``key`` is missing,
            unknown, revoked or expired; 429 over the key's rate limit (from
            :func:`kenning.api.deps.principal_for`).
        StoreUnavailable: a managed key could not be checked.
    """
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=key) if key else None
    return await principal_for(runtime, credentials)


def bearer_key(headers: Headers) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if any."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class KeyGate:
    """ASGI wrapper of the MCP endpoint: a request without a valid key gets
    ``401`` (or ``429`` over its rate limit) in the API's error format and
    never reaches the MCP transport; an admitted one carries its principal in
    the scope (:data:`PRINCIPAL_KEY`).

    Args:
        app: The MCP transport.
        runtime_of: The app's runtime (set by its lifespan).
    """

    def __init__(self, app: ASGIApp, runtime_of: Callable[[], Runtime]) -> None:
        self.app = app
        self.runtime_of = runtime_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Admit the request with its principal, or answer 401 / 429."""
        key = bearer_key(Headers(scope=scope))
        try:
            principal = await principal_of_key(self.runtime_of(), key)
        except HTTPException as exc:
            code = "rate_limited" if exc.status_code == 429 else "unauthorized"
            body = error_body(code, str(exc.detail))
            answer = JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
            await answer(scope, receive, send)
            return
        await self.app({**scope, PRINCIPAL_KEY: principal}, receive, send)


def principal_of(ctx: Context, stdio_principal: Principal | None) -> Principal:
    """The principal of the tool call in ``ctx``: the one :class:`KeyGate`
    found for an HTTP request, else ``stdio_principal``.

    Raises:
        ToolError: neither is known (an HTTP request that bypassed the gate).
    """
    request = ctx.request_context.request
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict) and isinstance(found := scope.get(PRINCIPAL_KEY), Principal):
        return found
    if request is None and stdio_principal is not None:
        return stdio_principal
    raise ToolError("unauthorized: no API key was checked for this call")

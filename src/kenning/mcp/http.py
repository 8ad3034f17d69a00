"""MCP over streamable HTTP at ``/mcp`` in the service, behind the API keys.

The endpoint is stateless and answers JSON (no server-side MCP session, no
long-lived event stream): every tool call is one POST, with the same body
limit, request ids and metrics as REST, and any number of service processes
can serve it. It is not under admission control
(:data:`kenning.api.admission.ADMITTED_PREFIXES`): a call that waits
(``wait_s``) would hold a slot for minutes.

Auth: the same keys as REST (``Authorization: Bearer``, see
:mod:`kenning.mcp.caller`). Without keys (development) every caller would be
tenant ``default``, so ``/mcp`` is only served then when the service binds a
loopback address (``KENNING_HOST``, which ``kenning serve --host`` sets too);
otherwise it answers ``403`` and the start-up log says why.
"""

from __future__ import annotations

import ipaddress
import logging

from fastapi import FastAPI
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kenning.api.errors import error_body
from kenning.api.runtime import Runtime
from kenning.config import Settings
from kenning.mcp.caller import KeyGate
from kenning.mcp.server import build_server

log = logging.getLogger(__name__)

#: Where the endpoint is mounted.
MCP_PATH = "/mcp"
#: Methods of the streamable HTTP transport (GET and DELETE answer 405 when stateless).
METHODS = ["GET", "POST", "DELETE"]

REFUSED = (
    "MCP over HTTP is off: no API keys are configured (KENNING_API_KEYS) and the "
    "service is not bound to a loopback address (KENNING_HOST)"
)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def _refuse(_: Request) -> Response:
    return JSONResponse(error_body("mcp_disabled", REFUSED), status_code=403)


def mount_mcp(app: FastAPI, settings: Settings) -> StreamableHTTPSessionManager | None:
    """Serve MCP at :data:`MCP_PATH` in ``app``, when settings allow.

    Returns:
        The session manager, which the app's lifespan must run (``async with
        manager.run()``) while the app serves; None when MCP is not served:
        ``KENNING_MCP_HTTP=false`` (no route), or no keys on a non-loopback
        host (the route answers 403 ``mcp_disabled``).
    """
    if not settings.mcp_http:
        return None
    if not settings.api_keys and not is_loopback(settings.host):
        log.warning("%s; %s answers 403", REFUSED, MCP_PATH)
        app.add_route(MCP_PATH, _refuse, methods=METHODS, include_in_schema=False)
        return None

    def runtime() -> Runtime:
        rt: Runtime = app.state.runtime
        return rt

    server = build_server(runtime)
    # Builds the session manager (the Starlette app it returns is not used:
    # the route below serves the manager inside this app). On a loopback
    # host this also turns on the SDK's DNS-rebinding protection (Host and
    # Origin must name the loopback address).
    server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        host=settings.host,
        max_request_body_size=settings.max_body_bytes,
    )
    manager = server.session_manager
    gate = KeyGate(manager.handle_request, runtime)
    # A Route whose endpoint is not a function serves it as an ASGI app.
    app.router.routes.append(Route(MCP_PATH, gate, methods=METHODS, include_in_schema=False))
    return manager

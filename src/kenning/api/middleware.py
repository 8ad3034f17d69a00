"""Per-request context: the request id, request metrics, and a last-resort 500.

A plain ASGI middleware (not ``BaseHTTPMiddleware``), so streamed answers
such as an export pass through untouched and are timed to their last byte.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kenning.api.errors import error_body
from kenning.observability import REQUEST_ID_HEADER, Metrics, valid_request_id
from kenning.observability.request_id import new_request_id, reset_request_id, set_request_id

log = logging.getLogger(__name__)

#: Route label of a request no route matched (a 404), so raw paths never
#: become label values.
UNMATCHED = "unmatched"


class RequestContextMiddleware:
    """Give every HTTP request an id and count it.

    The id is the incoming ``X-Request-ID`` when it is valid (see
    :func:`~kenning.observability.valid_request_id`), else a new one; it is
    current while the request runs (logs, error bodies) and answered in the
    ``X-Request-ID`` header. An exception no handler took becomes a 500 with
    the generic error body, so even that answer carries the id.

    Args:
        app: The wrapped ASGI app.
        metrics: Where request latency and status are counted.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
        valid = incoming is not None and valid_request_id(incoming)
        request_id = incoming if valid and incoming is not None else new_request_id()
        token = set_request_id(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.exception("unexpected error", exc_info=exc)
            if response_started:
                raise
            body = error_body("internal", "internal error")
            await JSONResponse(body, status_code=500)(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe_request(scope["method"], route_of(scope), status, elapsed)
            reset_request_id(token)


def route_of(scope: Scope) -> str:
    """The template of the route that served a request (``/v1/facts/{fact_id}``),
    or :data:`UNMATCHED`."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED

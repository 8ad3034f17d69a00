"""Rules on the raw HTTP request, before any route reads it.

:class:`BodyLimit` caps the body (KENNING_MAX_BODY_BYTES, ``413``); body fields
are checked by the domain models (:class:`kenning.domain.models.Model`). Path
and query parameters are plain strings, so :func:`refuse_bad_params` checks
them all here, once.
"""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kenning.api.errors import error_body
from kenning.domain.rules import text_problem
from kenning.errors import InputError

_TOO_LARGE = "the request body is too large (KENNING_MAX_BODY_BYTES)"


class BodyLimit:
    """ASGI middleware: a body over ``max_bytes`` answers ``413`` before it is
    parsed, in the API's error format.

    A declared ``Content-Length`` over the limit is answered without reading
    the body; a chunked body is counted as it arrives and the read stops with
    an ``HTTPException(413)`` (FastAPI and strawberry pass it on to the error
    handlers). FastAPI's own ``max_body_size`` is not used because it answers
    plain text whatever the handlers say. Paths ending in one of
    ``streamed_suffixes`` (``/import``: NDJSON read a line at a time, never
    held whole) are not limited.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, streamed_suffixes: tuple[str, ...] = ("/import",)
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed_suffixes = streamed_suffixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413."""
        if scope["type"] != "http" or scope["path"].endswith(self.streamed_suffixes):
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            body = error_body("too_large", _TOO_LARGE)
            await JSONResponse(body, status_code=413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise HTTPException(413, _TOO_LARGE)
            return message

        await self.app(scope, counted, send)


async def refuse_bad_params(request: Request) -> None:
    """Router dependency: no path or query parameter may hold a NUL character
    or a lone surrogate.

    Raises:
        InputError: names the first offending parameter (the API answers 422).
    """
    params = [*request.path_params.items(), *request.query_params.multi_items()]
    for name, value in params:
        if isinstance(value, str) and (problem := text_problem(value)):
            raise InputError(f"{name}: {problem}", field=name)

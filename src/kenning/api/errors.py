"""Map Kenning errors to JSON answers: no stack trace ever reaches a client.

Every error body is ``{"error": {"code", "message", "field"?, "fields"?}}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kenning.errors import (
    Conflict,
    InputError,
    KenningError,
    NotFound,
    StoreBusy,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

#: Seconds a client should wait before retrying after a 503.
RETRY_AFTER_S = 5
#: Seconds a client should wait before retrying after a 429 (store busy): a
#: queue of store calls drains in well under a second.
BUSY_RETRY_AFTER_S = 1


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON body of an error answer."""
    return {"error": {"code": code, "message": message, **extra}}


def _location(loc: tuple[int | str, ...]) -> str:
    # Drop FastAPI's "body"/"query" prefix so the field reads as the client sent it.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts)


async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    fields = [
        {"field": _location(tuple(e["loc"])), "rule": e["type"], "message": e["msg"]}
        for e in exc.errors()
    ]
    first = fields[0] if fields else {"field": "", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    body = error_body("invalid_input", message, field=first["field"], fields=fields)
    return JSONResponse(body, status_code=422)


_HTTP_CODES = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}


async def _http(_: Request, exc: HTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _input(_: Request, exc: InputError) -> JSONResponse:
    return JSONResponse(error_body("invalid_input", str(exc), field=exc.field), status_code=422)


async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
    return JSONResponse(error_body("not_found", str(exc)), status_code=404)


async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
    return JSONResponse(error_body("conflict", str(exc)), status_code=409)


async def _unavailable(_: Request, exc: StoreUnavailable) -> JSONResponse:
    log.warning("graph store unavailable: %s", exc)
    return JSONResponse(
        error_body("unavailable", "the graph store is unavailable; retry later"),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _busy(_: Request, exc: StoreBusy) -> JSONResponse:
    log.info("graph store busy: %s", exc)
    return JSONResponse(
        error_body("busy", "the graph store is busy; retry shortly"),
        status_code=429,
        headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
    )


async def _kenning(_: Request, exc: KenningError) -> JSONResponse:
    log.error("request failed: %s: %s", type(exc).__name__, exc)
    return JSONResponse(error_body("internal", str(exc)), status_code=500)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return JSONResponse(error_body("internal", "internal error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers; the most specific class wins."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(InputError, _input)  # type: ignore[arg-type]
    app.add_exception_handler(NotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(Conflict, _conflict)  # type: ignore[arg-type]
    app.add_exception_handler(StoreUnavailable, _unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(StoreBusy, _busy)  # type: ignore[arg-type]
    app.add_exception_handler(KenningError, _kenning)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)

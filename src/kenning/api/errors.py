"""Map Kenning errors to JSON answers: no stack trace and no store error text
ever reaches a client (the log keeps the detail).

Every error body is ``{"error": {"code", "message", "field"?, "fields"?,
"request_id"}}`` (:class:`ErrorBody`); ``request_id`` is the request's
``X-Request-ID``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field
from starlette.exceptions import HTTPException

from kenning.domain.models import Model
from kenning.errors import (
    Conflict,
    Forbidden,
    InputError,
    KenningError,
    NotFound,
    StoreBusy,
    StoreUnavailable,
)
from kenning.observability import current_request_id

log = logging.getLogger(__name__)

#: Seconds a client should wait before retrying after a 503.
RETRY_AFTER_S = 5
#: Seconds a client should wait before retrying after a 429 (store busy): a
#: queue of store calls drains in well under a second.
BUSY_RETRY_AFTER_S = 1


class FieldProblem(Model):
    """One broken rule of a 422: where, which rule, and what it says."""

    field: str
    rule: str
    message: str


class ErrorDetail(Model):
    """What went wrong: a stable ``code``, a readable ``message`` and, for bad
    input, the ``field`` (dotted path as sent, e.g. ``episodes.3.content``)."""

    model_config = ConfigDict(extra="allow")
    code: str
    message: str
    field: str | None = None
    fields: list[FieldProblem] | None = Field(
        None, description="Every broken rule, when the body broke several."
    )
    request_id: str | None = Field(None, description="The request's X-Request-ID.")


class ErrorBody(Model):
    """The body of every error answer."""

    error: ErrorDetail


def _safe(text: str) -> str:
    # A lone surrogate sent by a client may end up in a field path; UTF-8
    # answers cannot carry it, so it is shown escaped.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON body of an error answer, with the current request id (when
    called while a request is handled); strings made safe to encode as UTF-8."""
    clean = {k: _safe(v) if isinstance(v, str) else v for k, v in extra.items()}
    body: dict[str, Any] = {"code": code, "message": _safe(message), **clean}
    if (request_id := current_request_id()) is not None:
        body["request_id"] = request_id
    return {"error": body}


def _location(loc: tuple[int | str, ...]) -> str:
    # Drop FastAPI's "body"/"query" prefix so the field reads as the client sent it.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts)


async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    fields = [
        {"field": _safe(_location(tuple(e["loc"]))), "rule": e["type"], "message": _safe(e["msg"])}
        for e in exc.errors()
    ]
    first = fields[0] if fields else {"field": "", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    body = error_body("invalid_input", message, field=first["field"], fields=fields)
    return JSONResponse(body, status_code=422)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
}


async def _http(_: Request, exc: HTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail)
    if exc.status_code == 413:
        message = "the request body is too large (KENNING_MAX_BODY_BYTES)"
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def _input(_: Request, exc: InputError) -> JSONResponse:
    return JSONResponse(error_body("invalid_input", str(exc), field=exc.field), status_code=422)


async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
    return JSONResponse(error_body("not_found", str(exc)), status_code=404)


async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
    return JSONResponse(error_body("forbidden", str(exc), field=exc.field), status_code=403)


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
    # A store or model error's text can hold query text, paths or the engine's
    # parser output: it stays in the log.
    log.error("request failed: %s: %s", type(exc).__name__, exc)
    return JSONResponse(error_body("internal", "internal error"), status_code=500)


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
    app.add_exception_handler(Forbidden, _forbidden)  # type: ignore[arg-type]
    app.add_exception_handler(StoreUnavailable, _unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(StoreBusy, _busy)  # type: ignore[arg-type]
    app.add_exception_handler(KenningError, _kenning)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)

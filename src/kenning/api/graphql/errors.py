"""GraphQL errors with codes and without stack traces.

Every error the client sees carries ``extensions.code``:

* ``BAD_USER_INPUT`` — the caller's request broke a rule: syntax, validation,
  a variable of the wrong type, a limit (depth, complexity, page size), or an
  argument (``extensions.field``);
* ``NOT_FOUND`` — a named object does not exist in the caller's space;
* ``FORBIDDEN`` — the caller's API key may not use that space
  (``extensions.field`` is ``space``);
* ``CONFLICT`` — the request contradicts what is stored;
* ``UNAVAILABLE`` — the graph store is down; retry (``extensions.retryable``);
* ``RATE_LIMITED`` — every store connection stayed busy for the bounded wait
  (HTTP would answer 429); retry after ``extensions.retryAfter`` s
  (``extensions.retryable`` is true);
* ``INTERNAL`` — anything else, store errors included; the message is
  generic, details go to the log.

Every error also carries ``extensions.request_id``, the request's ``X-Request-ID``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from fastapi import Request
from fastapi.responses import JSONResponse
from graphql import GraphQLError
from pydantic import ValidationError
from strawberry.extensions import SchemaExtension

from kenning.errors import (
    Conflict,
    Forbidden,
    InputError,
    NotFound,
    StoreBusy,
    StoreUnavailable,
)
from kenning.observability import current_request_id

log = logging.getLogger(__name__)

#: Seconds to wait before retrying a ``RATE_LIMITED`` error (as HTTP's 429).
BUSY_RETRY_AFTER_S = 1


def code_of(error: GraphQLError) -> str:
    """The ``extensions.code`` for an error."""
    original = error.original_error
    if original is None:  # parse and validation errors, limits
        return "BAD_USER_INPUT"
    if isinstance(original, InputError | ValidationError):
        return "BAD_USER_INPUT"
    if isinstance(original, NotFound):
        return "NOT_FOUND"
    if isinstance(original, Forbidden):
        return "FORBIDDEN"
    if isinstance(original, Conflict):
        return "CONFLICT"
    if isinstance(original, StoreUnavailable):
        return "UNAVAILABLE"
    if error.path is None and error.message.startswith("Variable '$"):
        # graphql-core coercing a variable before any resolver ran (a scalar's
        # parser raised, e.g. an unparseable DateTime): the input was wrong.
        return "BAD_USER_INPUT"
    if isinstance(original, StoreBusy):
        return "RATE_LIMITED"
    return "INTERNAL"


def coded(error: GraphQLError) -> GraphQLError:
    """A copy of ``error`` with a code, no traceback, and a safe message."""
    code = code_of(error)
    original = error.original_error
    extensions: dict[str, object] = {**(error.extensions or {}), "code": code}
    if (request_id := current_request_id()) is not None:
        extensions["request_id"] = request_id
    message = error.message
    if isinstance(original, InputError | Forbidden) and original.field:
        extensions["field"] = original.field
    elif isinstance(original, ValidationError):
        first = original.errors()[0]
        extensions["field"] = ".".join(str(p) for p in first["loc"]) or None
        message = f"{first['msg']}"
    elif code == "UNAVAILABLE":
        message, extensions["retryable"] = "the graph store is unavailable; retry later", True
    elif code == "RATE_LIMITED":
        message, extensions["retryable"] = "the graph store is busy; retry shortly", True
        extensions["retryAfter"] = BUSY_RETRY_AFTER_S
    elif code == "INTERNAL":
        # A store error's text can hold query text or the engine's parser
        # output: it stays in the log (log_error).
        message = "internal error"
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,  # nothing of the exception travels further
        extensions=extensions,
    )


def log_error(error: GraphQLError) -> None:
    """Log on the server: client mistakes briefly, failures with their traceback."""
    original = error.original_error
    if code_of(error) in ("BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN"):
        log.info("graphql request refused: %s", error.message)
    elif isinstance(original, StoreUnavailable):
        log.warning("graph store unavailable: %s", original)
    elif isinstance(original, StoreBusy):
        log.info("graph store busy: %s", original)
    else:
        log.error("graphql resolver failed: %s", error.message, exc_info=original)


class ErrorCodes(SchemaExtension):
    """Replace every error of a result with its coded, sanitised copy."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [coded(e) for e in result.errors]


class GraphQLRequestError(InputError):
    """A GraphQL request refused before it is parsed: its JSON nests too deeply,
    or a string in it holds a NUL character or a lone surrogate."""


async def request_error_answer(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI handler: a :class:`GraphQLRequestError` as a GraphQL response
    (``400``, ``errors[0].extensions.code`` = ``BAD_USER_INPUT``)."""
    field = exc.field if isinstance(exc, InputError) else None
    extensions = {"code": "BAD_USER_INPUT", "field": field}
    if (request_id := current_request_id()) is not None:
        extensions["request_id"] = request_id
    return JSONResponse(
        {"data": None, "errors": [{"message": str(exc), "extensions": extensions}]}, status_code=400
    )

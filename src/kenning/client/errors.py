"""Errors the SDK raises, one per kind of answer, all under :class:`ClientError`.

::

    KenningError                       (kenning.errors)
     └── ClientError                   the server refused, or could not be reached
          ├── ConnectionFailed         no answer: refused, reset, timed out (retryable)
          └── ApiError                 an error answer: status, code, field, request_id
               ├── BadRequest          400, 413, 422: the input broke a rule (``field``)
               ├── Unauthorized        401: missing or unknown API key
               ├── Forbidden           403: the key may not use that space
               ├── NotFoundError       404: no such id in the tenant and space
               ├── ConflictError       409: contradicts what is stored
               ├── RateLimited         429: busy; ``retry_after`` seconds (retryable)
               └── ServiceUnavailable  503: the store is down; ``retry_after`` (retryable)

The typed clients retry the retryable ones (see :mod:`kenning.client.http`)
before raising.
"""

from __future__ import annotations

from typing import Any

import httpx

from kenning.errors import KenningError


class ClientError(KenningError):
    """The server answered with an error, or could not be reached.

    Attributes:
        status: The HTTP status, or None when no answer came.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ConnectionFailed(ClientError):
    """No answer: connection refused or reset, or a timeout. Safe to retry.

    Attributes:
        connect: True when no connection was made, so the request never
            reached the server (the typed clients retry only these).
    """

    retryable = True

    def __init__(self, message: str, connect: bool = False) -> None:
        super().__init__(message, None)
        self.connect = connect


class ApiError(ClientError):
    """An error answer ``{"error": {"code", "message", "field"?, "request_id"?}}``.

    Attributes:
        status: The HTTP status.
        code: The stable error code, e.g. ``invalid_input``, ``not_found``.
        field: The offending field (dotted path as sent) for bad input, else None.
        request_id: The request's ``X-Request-ID``, for the server's log.
        retry_after: Seconds the server asked to wait (429/503), else None.
    """

    status: int

    def __init__(
        self,
        message: str,
        status: int,
        code: str,
        field: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status)
        self.code = code
        self.field = field
        self.request_id = request_id
        self.retry_after = retry_after


class BadRequest(ApiError):
    """400, 413 or 422: the input broke a rule; ``field`` names it."""


class Unauthorized(ApiError):
    """401: missing, unknown, revoked or expired API key."""


class Forbidden(ApiError):
    """403: the key may not read or write that space."""


class NotFoundError(ApiError):
    """404: no such id in the caller's tenant and space."""


class ConflictError(ApiError):
    """409: the request contradicts what is stored (or an agent is running)."""


class RateLimited(ApiError):
    """429: the server is busy; retry after ``retry_after`` seconds."""

    retryable = True


class ServiceUnavailable(ApiError):
    """503: the graph store is unavailable; retry after ``retry_after`` seconds."""

    retryable = True


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFoundError,
    409: ConflictError,
    413: BadRequest,
    422: BadRequest,
    429: RateLimited,
    503: ServiceUnavailable,
}


def error_for(response: httpx.Response) -> ApiError:
    """The typed error of an error answer (status >= 400).

    A body that is not Kenning's error shape (a proxy's HTML page) still gives
    an error, with code ``http_<status>`` and the start of the text.
    """
    status = response.status_code
    kind = _BY_STATUS.get(status, ApiError)
    detail = _detail(response)
    code = str(detail.get("code") or f"http_{status}")
    message = str(detail.get("message") or response.text[:200])
    field = detail.get("field")
    text = f"{status} {code}: {message}" + (f" (field {field})" if field else "")
    return kind(
        text,
        status,
        code,
        field=str(field) if field else None,
        request_id=detail.get("request_id"),
        retry_after=_retry_after(response),
    )


def _detail(response: httpx.Response) -> dict[str, Any]:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return {}
    return error if isinstance(error, dict) else {}


def _retry_after(response: httpx.Response) -> float | None:
    # Kenning sends whole seconds; an HTTP date (also legal) is not worth
    # parsing here: the backoff takes over.
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None

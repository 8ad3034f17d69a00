"""A request id per HTTP request, carried in a context variable.

The API middleware sets it (from a valid incoming ``X-Request-ID`` or a fresh
one); error bodies, GraphQL error extensions and log lines read it here, so
one id ties a client's report to the server's log.
"""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar

#: The header a request id arrives in and is answered in.
REQUEST_ID_HEADER = "X-Request-ID"
#: An accepted incoming id: 1-64 letters, digits, ``.``, ``_``, ``:`` or ``-``
#: (UUIDs, ULIDs and most tracing ids fit). Anything else is replaced, so a
#: client cannot inject text into log lines or headers.
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

_request_id: ContextVar[str | None] = ContextVar("kenning_request_id", default=None)


def valid_request_id(value: str | None) -> bool:
    """True when ``value`` may be used as a request id as sent."""
    return value is not None and _VALID.fullmatch(value) is not None


def new_request_id() -> str:
    """A fresh id: 32 lowercase hex digits (128 random bits)."""
    return secrets.token_hex(16)


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return _request_id.get()


def set_request_id(value: str | None) -> object:
    """Set the current id; returns a token for :func:`reset_request_id`."""
    return _request_id.set(value)


def reset_request_id(token: object) -> None:
    """Restore the id that was current before :func:`set_request_id`."""
    _request_id.reset(token)  # type: ignore[arg-type]


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; only annotates it."""
        record.request_id = _request_id.get() or "-"
        return True


def install_log_filter(logger: logging.Logger | None = None) -> None:
    """Add a :class:`RequestIdFilter` to every handler of ``logger`` (root by
    default) that has none yet, so ``%(request_id)s`` works in formats. Safe
    to repeat."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())

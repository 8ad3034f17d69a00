"""Kenning's exception hierarchy.

Callers catch :class:`KenningError` and its children, never a driver's
exception: adapters translate driver errors at the boundary.

::

    KenningError
     ├── ConfigError              invalid settings at start-up
     ├── InputError               bad input from a caller (API: 422)
     ├── NotFound                 a named object does not exist in the scope (404)
     ├── Forbidden                the caller's key may not use this space or call (403)
     ├── Conflict                 the request contradicts stored state (409)
     ├── StoreError               the graph store failed
     │    ├── StoreUnavailable    cannot reach the store, or it did not answer in
     │    │                       time; retryable (503)
     │    └── QueryMissing        a query the store needs is absent from cypher/
     ├── StoreBusy                every store connection stayed in use for the
     │                            bounded wait; retryable (429), not an outage
     └── ModelError               an embedding or extraction model failed
"""

from __future__ import annotations


class KenningError(Exception):
    """Root of every error Kenning raises on purpose."""

    #: Whether repeating the same call later may succeed.
    retryable: bool = False

    def is_retryable(self) -> bool:
        """Return True when the same call may succeed if repeated later."""
        return self.retryable


class ConfigError(KenningError):
    """A setting is invalid. The message names the setting (``KENNING_...``)."""


class InputError(KenningError):
    """Caller input broke a rule.

    Args:
        message: What rule was broken.
        field: Dotted path of the offending field, e.g. ``"episodes.3.content"``.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(KenningError):
    """The object does not exist in the caller's tenant and space."""


class Forbidden(KenningError):
    """The caller's key may not do this: a space not on a member key, or an
    admin-only call. The API answers 403 with code ``forbidden``.

    Args:
        message: What was refused and why.
        field: The request field that named what was refused, e.g. ``"space"``.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(KenningError):
    """The request contradicts what is stored (e.g. idempotency key reuse)."""


class StoreError(KenningError):
    """The graph store failed to run a query."""


class StoreUnavailable(StoreError):
    """The graph store cannot be reached. Safe to retry; the API answers 503."""

    retryable = True


class StoreBusy(KenningError):
    """Every store connection stayed in use for the whole bounded wait
    (``KENNING_STORE_POOL_TIMEOUT_S``). The store itself is healthy: this is
    back-pressure, so the API answers 429 with ``Retry-After``, never 503.
    Safe to retry.
    """

    retryable = True


class QueryMissing(StoreError):
    """A query a store needs has no text in ``cypher/`` for its dialect."""


class ModelError(KenningError):
    """An embedding or extraction model could not be loaded or run."""

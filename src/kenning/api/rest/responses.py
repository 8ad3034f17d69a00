"""The error answers routes document in OpenAPI, shared by every router.

Each router passes :data:`COMMON` (statuses any ``/v1`` route can answer) and
routes add :func:`errors` for what only they can answer (``404`` for an id,
``409`` for an idempotency conflict, :data:`BODY` for a JSON body). Every
error has the same body, :class:`~kenning.api.errors.ErrorBody`.
"""

from __future__ import annotations

from typing import Any

from kenning.api.errors import ErrorBody

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer"},
    }
}

_DESCRIPTIONS = {
    400: "The body could not be read as JSON (e.g. not UTF-8, or nested too deeply).",
    401: "Missing, unknown, revoked or expired API key (`Authorization: Bearer <key>`); "
    "not in development (no keys configured).",
    403: "The API key may not use this space (`field` is `space`) or this call (admin only).",
    404: "No such id in the caller's tenant and space.",
    409: "The request contradicts what is stored: an `idempotency_key` reused for "
    "different content.",
    413: "The body is larger than KENNING_MAX_BODY_BYTES.",
    422: "Invalid input: `field` names the field and `message` the rule; nothing was stored.",
    429: "The API key went over its rate limit, or the graph store is busy; retry "
    "after `Retry-After` seconds.",
    503: "The graph store is unavailable; retry after `Retry-After` seconds.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error ``statuses``, each with the error body.

    Raises:
        KeyError: a status without a description here.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
        if status in (429, 503):
            entry["headers"] = _RETRY_AFTER
        out[status] = entry
    return out


#: What every ``/v1`` route may answer: no key, bad input, the store busy or down.
COMMON = errors(401, 403, 422, 429, 503)
#: What a route with a JSON body may answer besides.
BODY = errors(400, 413)
#: What ``/healthz`` may answer besides 200.
HEALTH = errors(429, 503)

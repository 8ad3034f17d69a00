"""Request dependencies as ``Annotated`` aliases, and the caller's access.

The caller is a :class:`~kenning.access.principal.Principal`, resolved from
the bearer key by :func:`principal_for` (REST, GraphQL and MCP alike):

* a static development key of ``KENNING_API_KEYS`` → an admin of its tenant;
* a managed key (``/v1/keys``, ``kenning keys create``) → its tenant, role
  and spaces; unknown, revoked or expired → 401 on this very request;
* development: while ``KENNING_API_KEYS`` is empty, ``KENNING_REQUIRE_KEYS``
  is false and tenant ``default`` has no managed key (the bootstrap key
  gives it one), a caller without a known key is an admin of tenant
  ``default``. Other tenants are reachable only with their keys.

Routes that take a space call :func:`require_space` (reads) or
:func:`require_write_space` (writes), which answer 403 ``forbidden``.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kenning.access.principal import DEV_PRINCIPAL, Principal
from kenning.api.runtime import Runtime
from kenning.domain.models import Scope
from kenning.errors import Forbidden

#: Tenant of every caller when no API keys are configured (development).
DEFAULT_TENANT = DEV_PRINCIPAL.tenant

_bearer = HTTPBearer(auto_error=False)

#: The bearer credentials sent, if any.
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


# The dependencies are ``async def`` although most never wait: FastAPI runs a
# plain ``def`` dependency in its thread pool, two thread hand-offs per request.


async def get_runtime(request: Request) -> Runtime:
    """The app's runtime (store, services)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def _unauthorized(why: str) -> HTTPException:
    return HTTPException(
        status_code=401,
        detail=f"{why} (Authorization: Bearer <key>)",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _static_principal(runtime: Runtime, given: str) -> Principal | None:
    # Development keys: compared in constant time, every one of them, so the
    # time taken does not tell which prefix matched.
    found: Principal | None = None
    for key, tenant in runtime.settings.api_keys.items():
        if secrets.compare_digest(given.encode(), key.encode()):
            found = Principal(tenant, "admin", None, None)
    return found


async def _keys_required(runtime: Runtime) -> bool:
    s = runtime.settings
    return bool(s.api_keys) or s.require_keys or await runtime.keys.tenant_has_keys(DEFAULT_TENANT)


async def principal_for(
    runtime: Runtime, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """The caller, from its bearer key; never from the request body. Counts
    the request against the key's rate limit.

    Raises:
        HTTPException: 401 when keys exist and the bearer key is missing,
            unknown, revoked or expired; 429 (``Retry-After``) when the key
            went over its role's rate limit (``KENNING_RATE_LIMIT_*``).
        StoreUnavailable: a managed key could not be checked (503).
    """
    given = credentials.credentials if credentials else ""
    principal = _static_principal(runtime, given) if given else None
    if principal is None and given:
        principal = await runtime.keys.authenticate(given)
    if principal is None:
        if await _keys_required(runtime):
            raise _unauthorized(
                "unknown, revoked or expired API key" if given else "missing API key"
            )
        principal = DEV_PRINCIPAL
    runtime.rate_limits.hit(principal)
    return principal


async def get_principal(runtime: RuntimeDep, credentials: BearerDep) -> Principal:
    """The caller (see :func:`principal_for`); a request dependency."""
    return await principal_for(runtime, credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def tenant_for(runtime: Runtime, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The caller's tenant: ``principal_for(...).tenant`` (kept for code
    written before principals).

    Raises:
        HTTPException: as :func:`principal_for`.
    """
    return (await principal_for(runtime, credentials)).tenant


async def get_tenant(principal: PrincipalDep) -> str:
    """The caller's tenant; a request dependency (see :func:`principal_for`)."""
    return principal.tenant


TenantDep = Annotated[str, Depends(get_tenant)]


def require_space(principal: Principal, space: str, write: bool = False) -> None:
    """Refuse a space the caller's key may not use.

    A member key may use the spaces listed on it; an admin key (and
    development) every space of its tenant. For a write that may claim a new
    space, call :func:`require_write_space` instead.

    Raises:
        Forbidden: 403 ``forbidden``, field ``space``.
    """
    allowed = principal.may_write(space) if write else principal.may_read(space)
    if not allowed:
        raise Forbidden(
            f"this API key may not {'write' if write else 'read'} space {space!r}; "
            "it is not among the key's spaces",
            field="space",
        )


async def require_write_space(runtime: Runtime, principal: Principal, space: str) -> Principal:
    """Allow a write to ``space``, claiming it for a member key when nobody
    holds it yet: no other key lists it and it holds no episode or entity.
    The claim is recorded on the key, so later requests may read it too.

    Returns:
        The principal, with ``space`` added after a claim.

    Raises:
        Forbidden: 403 ``forbidden`` (field ``space``): the space belongs to
            someone else.
        StoreUnavailable: the claim could not be checked (503).
    """
    if principal.may_write(space):
        return principal
    if principal.key_id is not None and await runtime.keys.claim_space(principal, space):
        return principal.with_space(space)
    require_space(principal, space, write=True)
    return principal  # not reached: require_space raised


def require_admin(principal: Principal) -> None:
    """Refuse a member key an admin-only call (managing keys and teams).

    Raises:
        Forbidden: 403 ``forbidden``.
    """
    if not principal.is_admin:
        raise Forbidden("only an admin API key may do this; this key is a member key")


def read_scope(principal: Principal, space: str) -> Scope:
    """The caller's scope in ``space`` for a read (see :func:`require_space`).

    Raises:
        Forbidden: 403, the key may not read ``space``.
    """
    require_space(principal, space)
    return Scope(tenant=principal.tenant, space=space)


async def write_scope(runtime: Runtime, principal: Principal, space: str) -> Scope:
    """The caller's scope in ``space`` for a write (see :func:`require_write_space`).

    Raises:
        Forbidden: 403, the key may not write ``space``.
        StoreUnavailable: a claim could not be checked (503).
    """
    await require_write_space(runtime, principal, space)
    return Scope(tenant=principal.tenant, space=space)

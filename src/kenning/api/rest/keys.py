"""Managed API keys of the caller's tenant: ``/v1/keys`` (admin keys only).

A key's secret is in the answer of ``POST /v1/keys`` and
``POST /v1/keys/{id}/rotate`` only; the store keeps its SHA-256
(:mod:`kenning.access.keys`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, status
from pydantic import Field, field_validator

from kenning.access.keys import SECRET_PREFIX
from kenning.api.deps import PrincipalDep, RuntimeDep, require_admin
from kenning.api.rest.responses import BODY, COMMON, errors
from kenning.domain.models import Instant, ItemId, Model, SpaceId, utcnow
from kenning.errors import InputError, NotFound
from kenning.store.keys_port import StoredKey

router = APIRouter(prefix="/v1", tags=["keys"], responses=COMMON)

#: Characters of a key's name.
NAME_MAX_CHARS = 200
#: Spaces on one key.
MAX_SPACES = 1000

KeyId = Annotated[ItemId, Path(description="The key's id (`key_...`).")]


class KeyCreate(Model):
    """``POST /v1/keys``: a new key of the caller's tenant."""

    name: str = Field("", max_length=NAME_MAX_CHARS, description="A label for people.")
    role: Literal["admin", "member"] = Field(
        "member",
        description="admin: manages keys and teams, uses every space of the tenant; "
        "member: only `spaces`, plus spaces it creates by writing to them first.",
    )
    spaces: list[SpaceId] = Field(
        default_factory=list, max_length=MAX_SPACES, description="Spaces a member key may use."
    )
    expires_at: Instant | None = Field(None, description="When the key stops working (UTC).")

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value <= utcnow():
            raise ValueError("must be in the future")
        return value


class KeyView(Model):
    """A key as listed: never its secret or hash."""

    id: str
    name: str
    role: Literal["admin", "member"]
    spaces: list[str]
    created_at: datetime
    last_used_at: datetime | None = Field(
        None, description="Last request with the key (updated at most once a minute)."
    )
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked: bool

    @classmethod
    def of(cls, key: StoredKey) -> KeyView:
        """The view of a stored key."""
        return cls(
            id=key.id,
            name=key.name,
            role=key.role,
            spaces=list(key.spaces),
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            revoked=key.revoked_at is not None,
        )


class KeyCreated(KeyView):
    """A key with its secret: shown this once, never again."""

    key: str = Field(
        description=f"The secret (`{SECRET_PREFIX}...`); send it as `Authorization: Bearer`."
    )


class KeyList(Model):
    """Every key of the tenant, revoked ones too, newest first."""

    keys: list[KeyView]


@router.post(
    "/keys", status_code=status.HTTP_201_CREATED, response_model=KeyCreated, responses=BODY
)
async def create_key(body: KeyCreate, caller: PrincipalDep, rt: RuntimeDep) -> KeyCreated:
    """Create a key of the caller's tenant; the answer holds its secret, shown once."""
    require_admin(caller)
    if body.role == "admin" and body.spaces:
        raise InputError("an admin key uses every space; leave spaces empty", field="spaces")
    key, secret = await rt.keys.create(
        caller.tenant, body.role, body.name, body.spaces, body.expires_at
    )
    return KeyCreated(**KeyView.of(key).model_dump(), key=secret)


@router.get("/keys", response_model=KeyList)
async def list_keys(caller: PrincipalDep, rt: RuntimeDep) -> KeyList:
    """Every key of the caller's tenant (without secrets), newest first."""
    require_admin(caller)
    return KeyList(keys=[KeyView.of(k) for k in await rt.keys.list(caller.tenant)])


@router.delete("/keys/{key_id}", response_model=KeyView, responses=errors(404))
async def revoke_key(key_id: KeyId, caller: PrincipalDep, rt: RuntimeDep) -> KeyView:
    """Revoke a key: its next request gets 401. Safe to repeat."""
    require_admin(caller)
    key = await rt.keys.revoke(caller.tenant, key_id)
    if key is None:
        raise NotFound(f"no key {key_id!r}")
    return KeyView.of(key)


@router.post("/keys/{key_id}/rotate", response_model=KeyCreated, responses={**BODY, **errors(404)})
async def rotate_key(key_id: KeyId, caller: PrincipalDep, rt: RuntimeDep) -> KeyCreated:
    """A new secret for a live key (same id, role and spaces), shown once; the
    old secret gets 401 from the next request on."""
    require_admin(caller)
    rotated = await rt.keys.rotate(caller.tenant, key_id)
    if rotated is None:
        raise NotFound(f"no live key {key_id!r}")
    key, secret = rotated
    return KeyCreated(**KeyView.of(key).model_dump(), key=secret)

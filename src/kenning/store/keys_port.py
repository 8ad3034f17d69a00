"""The store port for managed API keys (tenant-level objects, no space)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol


@dataclass(frozen=True, slots=True)
class StoredKey:
    """An API key as stored, without its secret or hash.

    Attributes:
        id: Stable id (``key_...``), kept across rotations.
        tenant: Its tenant.
        name: A label for people.
        role: ``admin`` or ``member``.
        spaces: The spaces a member key may use (an admin's are ignored).
        created_at, last_used_at, expires_at, revoked_at: UTC instants;
            ``last_used_at`` is updated at most once a minute per key.
    """

    id: str
    tenant: str
    name: str
    role: Literal["admin", "member"]
    spaces: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        """Not revoked and not expired at ``now`` (UTC)."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


class KeyStore(Protocol):
    """Store methods for managed API keys. Every method is filtered by
    tenant, except :meth:`key_by_hash` (the secret tells the tenant)."""

    async def create_key(self, key: StoredKey, key_hash: str) -> StoredKey:
        """Store a new key with the hash of its secret; returns it."""

    async def key_by_hash(self, key_hash: str) -> StoredKey | None:
        """The key whose secret hashes to ``key_hash`` (live or not), or None."""

    async def list_keys(self, tenant: str) -> list[StoredKey]:
        """Every key of ``tenant``, revoked ones included, newest first."""

    async def revoke_key(self, tenant: str, key_id: str, now: datetime) -> StoredKey | None:
        """Revoke a key at ``now`` (safe to repeat); None when absent."""

    async def rotate_key(
        self, tenant: str, key_id: str, key_hash: str, now: datetime
    ) -> StoredKey | None:
        """Replace a live key's hash; None when absent or revoked."""

    async def touch_key(self, tenant: str, key_id: str, now: datetime) -> None:
        """Set ``last_used_at`` to ``now``."""

    async def tenant_has_keys(self, tenant: str) -> bool:
        """Whether ``tenant`` has any managed key, revoked ones included."""

    async def live_admin_keys(self, tenant: str) -> int:
        """How many unrevoked admin keys ``tenant`` has."""

    async def claim_space(self, tenant: str, key_id: str, space: str) -> bool:
        """Add ``space`` to a live key when nobody holds it: no other key of
        the tenant lists it and it holds no episode or entity. True when the
        key now lists it."""

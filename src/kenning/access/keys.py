"""Managed API keys: create, check, list, revoke, rotate.

A key's secret is ``kn_`` + 43 URL-safe characters of :func:`secrets.token_urlsafe`
(256 random bits). It is shown once, when created or rotated; the store keeps
only its SHA-256. A plain (unsalted, fast) hash is enough here, unlike for a
password: a password is guessable, so its hash must be slow and salted, but a
256-bit random secret cannot be found by trying candidates however fast each
try is, and a deterministic hash lets a request find its key with one indexed
lookup.

Every request checks its key in the store, so a revocation or an expiry takes
effect on the very next request in every process. Cached in the process are
only the time of each key's last ``last_used_at`` write (at most one a minute
per key) and, for development mode, whether a tenant has any key (see
:data:`NO_KEYS_TTL_S`).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from kenning.access.principal import Principal, Role
from kenning.domain.ids import new_id
from kenning.store.keys_port import KeyStore, StoredKey

#: Prefix of every managed key's secret (tells it apart in logs and scanners).
SECRET_PREFIX = "kn_"
#: Random bytes of a secret: 256 bits.
SECRET_BYTES = 32
#: Seconds between two ``last_used_at`` writes of one key in one process.
TOUCH_EVERY_S = 60.0
#: Seconds a "this tenant has no key" answer is reused. Development-mode
#: requests would otherwise pay a store round trip each (2 ms p50 here, on a
#: busy 2-core machine); a key made in this process counts at once, one made
#: by another process (the CLI) within this long.
NO_KEYS_TTL_S = 1.0


def new_secret() -> str:
    """A fresh random key secret (256 bits), e.g. ``kn_Zk3...``."""
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    """The SHA-256 (hex) of a secret, as stored (see the module docstring)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def principal_of(key: StoredKey) -> Principal:
    """The caller a live key stands for: an admin sees every space of its tenant."""
    spaces = None if key.role == "admin" else frozenset(key.spaces)
    return Principal(key.tenant, key.role, key.id, spaces)


class KeyService:
    """Managed keys over the store port; one per process (``Runtime.keys``)."""

    def __init__(self, store: KeyStore) -> None:
        self._store = store
        # Keys are revoked, never deleted: once a tenant has one it always does.
        self._keyed: set[str] = set()
        #: key id -> monotonic seconds of its last ``last_used_at`` write here.
        self._touched: dict[str, float] = {}
        #: tenant -> monotonic seconds when the store last said it had no key.
        self._keyless: dict[str, float] = {}

    async def authenticate(self, secret: str, now: datetime | None = None) -> Principal | None:
        """The principal of a live key with this secret; None when the secret
        is unknown, revoked or expired (checked in the store every time).

        Raises:
            StoreUnavailable: the store could not be asked.
        """
        key = await self._store.key_by_hash(hash_secret(secret))
        now = now or datetime.now(UTC)
        if key is None or not key.live(now):
            return None
        await self._touch(key, now)
        return principal_of(key)

    async def _touch(self, key: StoredKey, now: datetime) -> None:
        clock = time.monotonic()
        last = self._touched.get(key.id)
        if last is not None and clock - last < TOUCH_EVERY_S:
            return
        self._touched[key.id] = clock
        await self._store.touch_key(key.tenant, key.id, now)

    async def tenant_has_keys(self, tenant: str) -> bool:
        """Whether ``tenant`` has (or had) a managed key. Once it has, that is
        remembered (keys are never deleted); "no key" is asked of the store
        again after :data:`NO_KEYS_TTL_S`."""
        if tenant in self._keyed:
            return True
        asked = self._keyless.get(tenant)
        if asked is not None and time.monotonic() - asked < NO_KEYS_TTL_S:
            return False
        if await self._store.tenant_has_keys(tenant):
            self._keyed.add(tenant)
            self._keyless.pop(tenant, None)
            return True
        self._keyless[tenant] = time.monotonic()
        return False

    async def create(
        self,
        tenant: str,
        role: Role,
        name: str = "",
        spaces: Iterable[str] = (),
        expires_at: datetime | None = None,
        secret: str | None = None,
    ) -> tuple[StoredKey, str]:
        """Create a key; returns it and its secret (shown once, never stored).

        Args:
            secret: Use this secret instead of a new random one (the
                bootstrap key of the settings).
        """
        secret = secret or new_secret()
        key = StoredKey(
            id=new_id("key"),
            tenant=tenant,
            name=name,
            role=role,
            spaces=tuple(dict.fromkeys(spaces)),
            created_at=datetime.now(UTC),
            expires_at=expires_at,
        )
        stored = await self._store.create_key(key, hash_secret(secret))
        self._keyed.add(tenant)
        return stored, secret

    async def list(self, tenant: str) -> list[StoredKey]:
        """Every key of ``tenant`` (revoked ones too), newest first."""
        return await self._store.list_keys(tenant)

    async def revoke(self, tenant: str, key_id: str) -> StoredKey | None:
        """Revoke a key; its next request gets 401. None when absent."""
        return await self._store.revoke_key(tenant, key_id, datetime.now(UTC))

    async def rotate(self, tenant: str, key_id: str) -> tuple[StoredKey, str] | None:
        """A new secret for a live key (same id, name, role, spaces); the old
        secret gets 401 from now on. None when absent or revoked."""
        secret = new_secret()
        key = await self._store.rotate_key(tenant, key_id, hash_secret(secret), datetime.now(UTC))
        return None if key is None else (key, secret)

    async def claim_space(self, principal: Principal, space: str) -> bool:
        """Record ``space`` on a member's key when nobody holds it yet."""
        if principal.key_id is None:
            return False
        return await self._store.claim_space(principal.tenant, principal.key_id, space)

    async def bootstrap(self, tenant: str, secret: str) -> StoredKey | None:
        """Store ``secret`` as an admin key of ``tenant`` unless the tenant
        has a live admin key already or this secret is stored; the new key,
        or None when nothing was done. Safe to repeat at every start."""
        if await self._store.key_by_hash(hash_secret(secret)) is not None:
            return None
        if await self._store.live_admin_keys(tenant) > 0:
            return None
        key, _ = await self.create(tenant, "admin", name="bootstrap", secret=secret)
        return key

"""KeyStore over the Cypher library, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`. Query text:
``cypher/common/access/keys_*``.
"""

from __future__ import annotations

from datetime import datetime

from kenning.store.keys_port import StoredKey
from kenning.store.mixin import QueryMixin, Row

#: Queries this mixin needs; the loader fails at start if one is missing.
KEY_QUERIES: tuple[str, ...] = tuple(
    f"access/keys_{name}"
    for name in (
        "create",
        "by_hash",
        "list",
        "revoke",
        "rotate",
        "touch",
        "exist",
        "live_admins",
        "space_used",
        "add_space",
    )
)


class KeyQueries(QueryMixin):
    """KeyStore methods over the Cypher library."""

    def _key_of(self, row: Row) -> StoredKey:
        return StoredKey(
            id=row["id"],
            tenant=row["tenant"],
            name=row["name"],
            role=row["role"],
            spaces=tuple(row.get("spaces") or ()),
            created_at=self._instant_from_db(row["created_at"]),
            last_used_at=self._instant_or_none(row.get("last_used_at")),
            expires_at=self._instant_or_none(row.get("expires_at")),
            revoked_at=self._instant_or_none(row.get("revoked_at")),
        )

    async def _one_key(self, name: str, params: Row, *, write: bool) -> StoredKey | None:
        rows = await self._query(f"access/keys_{name}", params, write=write)
        return self._key_of(rows[0]["key"]) if rows else None

    async def create_key(self, key: StoredKey, key_hash: str) -> StoredKey:
        """See :meth:`KeyStore.create_key`."""
        params = {
            "id": key.id,
            "tenant": key.tenant,
            "name": key.name,
            "role": key.role,
            "hash": key_hash,
            "spaces": list(key.spaces),
            "created_at": key.created_at,
            "expires_at": key.expires_at,
        }
        stored = await self._one_key("create", params, write=True)
        assert stored is not None  # CREATE always returns its row
        return stored

    async def key_by_hash(self, key_hash: str) -> StoredKey | None:
        """See :meth:`KeyStore.key_by_hash`."""
        return await self._one_key("by_hash", {"hash": key_hash}, write=False)

    async def list_keys(self, tenant: str) -> list[StoredKey]:
        """See :meth:`KeyStore.list_keys`."""
        rows = await self._query("access/keys_list", {"tenant": tenant})
        return [self._key_of(r["key"]) for r in rows]

    async def revoke_key(self, tenant: str, key_id: str, now: datetime) -> StoredKey | None:
        """See :meth:`KeyStore.revoke_key`."""
        params = {"tenant": tenant, "id": key_id, "now": now}
        return await self._one_key("revoke", params, write=True)

    async def rotate_key(
        self, tenant: str, key_id: str, key_hash: str, now: datetime
    ) -> StoredKey | None:
        """See :meth:`KeyStore.rotate_key`."""
        params = {"tenant": tenant, "id": key_id, "hash": key_hash, "now": now}
        return await self._one_key("rotate", params, write=True)

    async def touch_key(self, tenant: str, key_id: str, now: datetime) -> None:
        """See :meth:`KeyStore.touch_key`."""
        await self._query(
            "access/keys_touch", {"tenant": tenant, "id": key_id, "now": now}, write=True
        )

    async def tenant_has_keys(self, tenant: str) -> bool:
        """See :meth:`KeyStore.tenant_has_keys`."""
        return bool(await self._query("access/keys_exist", {"tenant": tenant}))

    async def live_admin_keys(self, tenant: str) -> int:
        """See :meth:`KeyStore.live_admin_keys`."""
        rows = await self._query("access/keys_live_admins", {"tenant": tenant})
        return int(rows[0]["admins"]) if rows else 0

    async def claim_space(self, tenant: str, key_id: str, space: str) -> bool:
        """See :meth:`KeyStore.claim_space`."""
        params = {"tenant": tenant, "id": key_id, "space": space}
        used = await self._query("access/keys_space_used", params)
        if used and used[0]["used"]:
            return False
        # Two members claiming one new space at once: the claim node's MERGE
        # lets one win (see keys_add_space.cypher); the other gets no row.
        return bool(await self._query("access/keys_add_space", params, write=True))

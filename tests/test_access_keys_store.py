"""The key service over the store port on both engines: only the hash of a
secret is stored, expiry and revocation are checked on every lookup,
``last_used_at`` is written at most once a minute, the bootstrap key is
stored once, and a space is claimed by one member key only."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kenning.access.keys import KeyService, hash_secret
from kenning.store.base import CypherStore
from kenning.store.falkordb.store import FalkorStore
from kenning.store.limits import StoreLimits
from kenning.store.neo4j.store import Neo4jStore
from tests.conftest import Neo4jServer


@pytest.fixture(scope="module", params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)])
async def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[CypherStore]:
    made: CypherStore
    if request.param == "falkordb":
        made = FalkorStore("embedded", graph="keys", data_dir=tmp_path_factory.mktemp("keys"))
    else:
        server: Neo4jServer = request.getfixturevalue("neo4j_server")
        limits = StoreLimits(read_timeout_s=30)
        made = Neo4jStore(server.url, server.user, server.password, limits=limits)
    await made.open()
    try:
        yield made
    finally:
        await made.close()


def _tenant() -> str:
    return f"keys-{uuid.uuid4().hex[:10]}"


async def _raw_keys(store: CypherStore, tenant: str) -> list[dict[str, Any]]:
    query = "MATCH (k:ApiKey {tenant: $tenant}) RETURN properties(k) AS p"
    rows = await store._run(query, {"tenant": tenant}, write=False)
    return [dict(r["p"]) for r in rows]


async def test_only_the_hash_of_a_secret_is_stored(store: CypherStore) -> None:
    tenant, keys = _tenant(), KeyService(store)
    key, secret = await keys.create(tenant, "member", "laptop", ["s1"])
    [stored] = await _raw_keys(store, tenant)
    assert stored["hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in stored.values())
    assert stored["id"] == key.id
    principal = await keys.authenticate(secret)
    assert principal is not None
    assert (principal.tenant, principal.role, principal.key_id) == (tenant, "member", key.id)
    assert principal.spaces == frozenset({"s1"})
    assert await keys.authenticate(secret + "x") is None


async def test_expiry_and_revocation_are_checked_on_every_lookup(store: CypherStore) -> None:
    tenant, keys = _tenant(), KeyService(store)
    expires = datetime.now(UTC) + timedelta(hours=1)
    key, secret = await keys.create(tenant, "admin", expires_at=expires)
    assert await keys.authenticate(secret, now=expires - timedelta(seconds=1)) is not None
    assert await keys.authenticate(secret, now=expires) is None
    assert await keys.authenticate(secret) is not None
    # Revoked through another service (another process): refused at once.
    assert await KeyService(store).revoke(tenant, key.id) is not None
    assert await keys.authenticate(secret) is None


async def test_last_used_at_is_written_at_most_once_a_minute(store: CypherStore) -> None:
    tenant, keys = _tenant(), KeyService(store)
    _, secret = await keys.create(tenant, "member")
    first = datetime(2030, 1, 1, tzinfo=UTC)
    await keys.authenticate(secret, now=first)
    await keys.authenticate(secret, now=first + timedelta(seconds=30))
    [listed] = await keys.list(tenant)
    assert listed.last_used_at == first


async def test_rotation_replaces_the_hash(store: CypherStore) -> None:
    tenant, keys = _tenant(), KeyService(store)
    key, old = await keys.create(tenant, "member", spaces=["a"])
    rotated = await keys.rotate(tenant, key.id)
    assert rotated is not None
    new_key, new = rotated
    assert new_key.id == key.id
    assert await keys.authenticate(old) is None
    assert await keys.authenticate(new) is not None
    [stored] = await _raw_keys(store, tenant)
    assert stored["hash"] == hash_secret(new)
    await keys.revoke(tenant, key.id)
    assert await keys.rotate(tenant, key.id) is None


async def test_bootstrap_stores_its_key_once(store: CypherStore) -> None:
    tenant, keys = _tenant(), KeyService(store)
    secret = uuid.uuid4().hex * 2
    assert not await keys.tenant_has_keys(tenant)
    assert await keys.bootstrap(tenant, secret) is not None
    assert await keys.bootstrap(tenant, secret) is None
    assert await keys.bootstrap(tenant, uuid.uuid4().hex * 2) is None  # an admin exists
    assert [k.name for k in await keys.list(tenant)] == ["bootstrap"]
    assert await keys.tenant_has_keys(tenant)


async def test_a_space_is_claimed_by_one_member_key(store: CypherStore) -> None:
    tenant, keys = _tenant(), KeyService(store)
    ann, _ = await keys.create(tenant, "member")
    bob, _ = await keys.create(tenant, "member", spaces=["bobs"])
    assert await store.claim_space(tenant, ann.id, "new")
    assert await store.claim_space(tenant, ann.id, "new")  # safe to repeat
    assert not await store.claim_space(tenant, bob.id, "new")
    assert not await store.claim_space(tenant, ann.id, "bobs")
    spaces = {k.id: k.spaces for k in await keys.list(tenant)}
    assert spaces == {ann.id: ("new",), bob.id: ("bobs",)}
    # Another tenant's "new" is another space: Ann's claim does not hold it.
    other = _tenant()
    carl, _ = await keys.create(other, "member")
    assert await store.claim_space(other, carl.id, "new")


async def test_concurrent_claims_of_one_space_have_one_winner(store: CypherStore) -> None:
    tenant, keys = _tenant(), KeyService(store)
    members = [(await keys.create(tenant, "member"))[0] for _ in range(6)]
    won = await asyncio.gather(*(store.claim_space(tenant, m.id, "contested") for m in members))
    assert sum(won) == 1
    holders = [k.id for k in await keys.list(tenant) if "contested" in k.spaces]
    assert holders == [m.id for m, w in zip(members, won, strict=True) if w]

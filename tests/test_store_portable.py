"""The PortableStore contract (export pages, import batches) on every engine.

Uses the engines and helpers of ``test_store_contract`` (imported fixtures).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from kenning.domain.ids import new_id
from kenning.domain.models import Scope
from kenning.errors import Conflict
from kenning.portable.ids import IdRemap
from kenning.store.portable_port import PORTABLE_ORDER, PortableItem, PortableKind
from kenning.store.temporal_port import FactVersion
from tests import test_store_contract as contract
from tests.test_store_contract import T1, seed

# The contract suite's engines and per-test tenants, shared by reference.
falkordb_backend = contract.falkordb_backend
neo4j_backend = contract.neo4j_backend
tenant_prefix = contract.tenant_prefix
backend = contract.backend
store = contract.store
tenant = contract.tenant
scope = contract.scope


async def walk(store: Any, scope: Scope, kind: PortableKind, page: int) -> list[PortableItem]:
    """Every item of ``kind`` through export pages of ``page`` items."""
    items: list[PortableItem] = []
    after = ""
    while True:
        batch = await store.export_items(scope, kind, after, page)
        items += batch
        if len(batch) < page:
            return items
        after = batch[-1].id


async def version_a_fact(store: Any, scope: Scope, fact_id: str) -> None:
    """Archive a version of ``fact_id`` (a correction recorded later)."""
    live = (await store.chain_facts(scope, [fact_id]))[0]
    version = FactVersion(
        id=fact_id,
        version_id=new_id("fa"),
        valid_from=live.valid_from,
        valid_to=T1 + timedelta(days=1),
        superseded_by=None,
        stated_valid_from=live.stated_valid_from,
        stated_valid_to=T1 + timedelta(days=1),
        text=live.text,
        confidence=0.5,
        invalidation_reason="test",
    )
    await store.apply_versions(scope, [version], T1 + timedelta(hours=1))


@pytest.mark.parametrize("page", [1, 2, 500])
async def test_export_then_import_rebuilds_the_space(store: Any, scope: Scope, page: int) -> None:
    seeded = await seed(store, scope)
    await version_a_fact(store, scope, seeded.fact_ids[0])
    source = {kind: await walk(store, scope, kind, page) for kind in PORTABLE_ORDER}
    counts = {kind: len(items) for kind, items in source.items()}
    assert counts == {"episode": 2, "entity": 3, "fact": 3, "mention": 2}
    facts = source["fact"]
    assert sum(1 for f in facts if f.props.get("version_of") == seeded.fact_ids[0]) == 1
    assert all(f.embedding is not None and len(f.embedding) == 384 for f in facts)
    assert all(set(f.refs) == {"subject_id", "object_id"} for f in facts)
    assert all(f.props["recorded_at"].tzinfo is not None for f in facts)

    # The same database holds the originals, so ids are remapped (as ids=new does).
    remap = IdRemap()
    target = Scope(tenant=scope.tenant, space="copy")
    line = 0
    for kind in PORTABLE_ORDER:
        renamed = []
        for item in source[kind]:
            line += 1
            renamed.append(remap.item(replace(item, line=line)))
        written = await store.import_items(target, kind, renamed)
        assert written == {i.line for i in renamed}
    for kind in PORTABLE_ORDER:
        copied = await walk(store, target, kind, page)
        expected = [replace(remap.item(i), line=0) for i in source[kind]]
        assert sorted(copied, key=lambda i: i.id) == sorted(expected, key=lambda i: i.id)
    # Ids were remapped in order: the copy pages in the same order.
    assert [remap(f.id) for f in facts] == [f.id for f in await walk(store, target, "fact", page)]


async def test_import_skips_facts_whose_ends_are_missing(store: Any, scope: Scope) -> None:
    item = PortableItem(
        "fact",
        {"id": new_id("fa"), "predicate": "p", "text": "t", "recorded_at": T1},
        {"subject_id": "en_missing", "object_id": "en_missing2"},
        None,
        line=7,
    )
    assert await store.import_items(scope, "fact", [item]) == set()
    assert await store.export_items(scope, "fact", "", 10) == []


async def test_existing_ids_are_found_in_any_space_of_the_tenant(store: Any, scope: Scope) -> None:
    seeded = await seed(store, scope)
    tenant = scope.tenant
    asked = [*seeded.episode_ids, "ep_unknown"]
    assert await store.existing_ids(tenant, "episode", asked) == sorted(seeded.episode_ids)
    assert await store.existing_ids(tenant, "fact", seeded.fact_ids) == sorted(seeded.fact_ids)
    assert await store.existing_ids(tenant + "x", "entity", seeded.entity_ids) == []


async def test_kept_ids_copy_into_another_tenant_and_clash_in_the_same_one(
    store: Any, scope: Scope
) -> None:
    """Ids are unique per tenant on both engines: a space's items import with
    their ids into another tenant of the same database; written again in
    another space of the same tenant (what an import racing the service's id
    check would do), the engine's constraint refuses them as a Conflict (409),
    not a store failure, and nothing of that batch stays."""
    await seed(store, scope)
    source = {kind: await walk(store, scope, kind, 500) for kind in PORTABLE_ORDER}
    other = Scope(tenant=f"{scope.tenant}-copy", space=scope.space)
    for kind in PORTABLE_ORDER:
        numbered = [replace(item, line=n) for n, item in enumerate(source[kind], start=1)]
        assert await store.import_items(other, kind, numbered) == {i.line for i in numbered}
    for kind in PORTABLE_ORDER:
        assert await walk(store, other, kind, 500) == source[kind], kind
    same_tenant = Scope(tenant=scope.tenant, space="s2")
    for kind in ("episode", "entity"):
        numbered = [replace(item, line=n) for n, item in enumerate(source[kind], start=1)]
        with pytest.raises(Conflict, match="already exists in this tenant"):
            await store.import_items(same_tenant, kind, numbered)
        assert await store.export_items(same_tenant, kind, "", 10) == [], kind

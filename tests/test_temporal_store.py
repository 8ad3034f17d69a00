"""Hard deletes leave nothing behind: counted in the graph through the store
port, with the real runtime on each engine (spaCy, MiniLM, the worker)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kenning.api.runtime import Runtime
from kenning.domain.models import EpisodeCreate, FactCreate, Scope
from kenning.errors import NotFound
from kenning.store.temporal_port import ScopeCounts
from tests.conftest import settings_on

TURNS = [
    ("Alice", "I moved to Austin last year and I work at Initech."),
    ("Bob", "I live in Chicago and I adopted a greyhound named Pixel."),
    ("Alice", "I work at Initech and I love the food trucks."),
]


@pytest.fixture(scope="module")
async def runtime(
    engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[Runtime]:
    data_dir: Path = tmp_path_factory.mktemp("kenning-delete")
    rt = await Runtime.start(settings_on(engine, data_dir, request))
    await rt.ready()
    try:
        yield rt
    finally:
        await rt.stop()


async def ingest(rt: Runtime, scope: Scope) -> list[str]:
    """Ingest TURNS into a scope and wait until the worker is done; episode ids."""
    items = [
        EpisodeCreate(speaker=s, content=c, occurred_at=datetime(2024, 3, i + 1, 10, tzinfo=UTC))
        for i, (s, c) in enumerate(TURNS)
    ]
    accepted = await rt.ingest.submit(scope, items)
    async with asyncio.timeout(120):
        while True:
            job = await rt.store.get_job(scope.tenant, accepted.job_id)
            if job is not None and job.pending == job.processing == 0:
                break
            await asyncio.sleep(0.1)
    return accepted.episode_ids


def scope() -> Scope:
    return Scope(tenant="default", space=f"del-{uuid.uuid4().hex[:10]}")


async def test_deleting_an_episode_removes_it_and_facts_only_it_supports(runtime: Runtime) -> None:
    here, other = scope(), scope()
    episodes = await ingest(runtime, here)
    await ingest(runtime, other)
    other_before = await runtime.store.scope_counts(other)
    facts = (await runtime.store.list_facts(here, "", 500)).items
    only_first = [f for f in facts if f.episode_ids == [episodes[0]]]
    shared = [f for f in facts if set(f.episode_ids) == {episodes[0], episodes[2]}]
    assert only_first, facts
    assert shared, facts  # "I work at Initech" is said twice

    deleted = await runtime.temporal.delete_episode(here, episodes[0])

    assert deleted.episodes == 1
    assert deleted.facts >= len(only_first)
    assert await runtime.store.count_references(here, episodes[0]) == ScopeCounts(0, 0)
    for fact in only_first:
        assert await runtime.store.count_references(here, fact.id) == ScopeCounts(0, 0)
    [kept] = await runtime.store.get_facts(here, [shared[0].id])
    assert kept.episode_ids == [episodes[2]]
    assert await runtime.store.delete_orphans(here) == 0  # nothing left dangling
    assert await runtime.store.scope_counts(other) == other_before


async def test_deleting_an_entity_removes_its_facts_and_mentions(runtime: Runtime) -> None:
    here, other = scope(), scope()
    await ingest(runtime, here)
    await ingest(runtime, other)
    other_before = await runtime.store.scope_counts(other)
    entities = (await runtime.store.list_entities(here, "", 500)).items
    alice = next(e for e in entities if e.name == "Alice")
    before = await runtime.store.scope_counts(here)

    deleted = await runtime.temporal.delete_entity(here, alice.id)

    assert deleted.facts > 0
    assert await runtime.store.count_references(here, alice.id) == ScopeCounts(0, 0)
    remaining = (await runtime.store.list_facts(here, "", 500)).items
    assert all("Alice" not in (f.subject, f.object) for f in remaining)
    after = await runtime.store.scope_counts(here)
    assert after.nodes < before.nodes
    assert after.relationships < before.relationships
    assert await runtime.store.delete_orphans(here) == 0
    assert await runtime.store.scope_counts(other) == other_before


async def test_deleting_a_fact_removes_every_version(runtime: Runtime) -> None:
    here = scope()
    [boston] = await runtime.ingest.add_facts(
        here, [FactCreate(subject="Alice", predicate="lives_in", object="Boston")]
    )
    await runtime.temporal.invalidate(here, boston.id, reason="moved")  # archives a version
    await runtime.ingest.add_facts(
        here,
        [FactCreate(subject="Alice", predicate="lives_in", object="Austin")],
    )
    assert (await runtime.store.count_references(here, boston.id)).relationships == 2

    await runtime.temporal.delete_fact(here, boston.id)

    assert await runtime.store.count_references(here, boston.id) == ScopeCounts(0, 0)
    # Austin's entity stays; Boston's went with its only fact.
    names = {e.name for e in (await runtime.store.list_entities(here, "", 50)).items}
    assert names == {"Alice", "Austin"}


async def test_deleting_a_space_leaves_nothing_and_spares_the_others(runtime: Runtime) -> None:
    here, other = scope(), scope()
    await ingest(runtime, here)
    await ingest(runtime, other)
    other_before = await runtime.store.scope_counts(other)
    assert (await runtime.store.scope_counts(here)).nodes > 0

    deleted = await runtime.temporal.delete_space(here)

    assert deleted.episodes == len(TURNS)
    assert await runtime.store.scope_counts(here) == ScopeCounts(0, 0)
    assert await runtime.store.scope_counts(other) == other_before
    assert here.space not in await runtime.store.list_spaces("default")
    with pytest.raises(NotFound):
        await runtime.temporal.delete_space(here)

"""Hard deletes leave nothing behind: counted in the graph through the store
port, with the real runtime on each engine (spaCy, MiniLM, the worker)."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kenning.api.runtime import Runtime
from kenning.domain.models import EpisodeCreate, FactCreate, Scope, Tags, Triple
from kenning.domain.temporal import FactUpdate
from kenning.errors import NotFound, StoreError
from kenning.ingest.graph_write import GraphWriteBuilder
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


# --- a value that returns, through the store -------------------------------------------

DAY = timedelta(days=1)
SAID_FROM = datetime(2010, 1, 1, tzinfo=UTC)
#: Transaction time of the k-th write: made up, so "known at" can be asked exactly.
WRITTEN = datetime(2020, 1, 1, tzinfo=UTC)

lives = st.lists(
    st.tuples(st.sampled_from(["Austin", "Boston", "Chicago"]), st.integers(1, 400)),
    min_size=1,
    max_size=6,
)


def statements(steps: list[tuple[str, int]], stated: bool) -> list[tuple[int, str, datetime]]:
    """(episode number, city, day said) in valid-time order."""
    out, at = [], SAID_FROM
    for i, (city, gap) in enumerate(steps):
        at += gap * DAY
        out.append((i, city, at))
    return out


async def state(
    rt: Runtime, here: Scope, item: tuple[int, str, datetime], stated: bool, now: datetime
) -> None:
    """Write one statement as the worker does after extraction, then resolve."""
    number, city, said_at = item
    builder = GraphWriteBuilder()
    triple = Triple(
        subject="Alice", predicate="lives_in", object=city, valid_from=said_at if stated else None
    )
    builder.fact(triple, [f"ep_{number}"], Tags(), said_at)
    await rt.supersession.write(here, builder.build(), [], now)


async def cities(
    rt: Runtime, here: Scope, at: datetime, known_at: datetime | None = None
) -> list[str]:
    page = await rt.store.list_facts(here, "", 100, as_of=at, known_at=known_at)
    return sorted(f.object for f in page.items)


async def intervals(rt: Runtime, here: Scope) -> list[tuple[str, Any, Any]]:
    """(city, valid_from, valid_to) of every live fact, in order."""
    events = await rt.temporal.timeline(here, predicates=["lives_in"])
    facts = {e.fact.id: e.fact for e in events}
    return sorted(
        ((f.object, f.valid_from, f.valid_to) for f in facts.values()),
        key=lambda x: (x[1] or SAID_FROM - DAY, x[0]),
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(lives, st.booleans(), st.randoms(use_true_random=False))
async def test_returns_give_the_same_intervals_in_any_order_and_keep_history(
    runtime: Runtime, steps: list[tuple[str, int]], stated: bool, rnd: random.Random
) -> None:
    said = statements(steps, stated)
    shuffled = list(said)
    rnd.shuffle(shuffled)
    spaces = [scope(), scope()]
    probes = [s[2] + d for s in said for d in (-DAY, timedelta(0))] + [
        datetime(2029, 1, 1, tzinfo=UTC)
    ]
    believed: list[tuple[datetime, dict[datetime, list[str]]]] = []
    for k, item in enumerate(shuffled):
        now = WRITTEN + k * timedelta(seconds=1)
        await state(runtime, spaces[1], item, stated, now)
        believed.append((now, {at: await cities(runtime, spaces[1], at) for at in probes}))
    for k, item in enumerate(said):
        await state(runtime, spaces[0], item, stated, WRITTEN + k * timedelta(seconds=1))

    assert await intervals(runtime, spaces[0]) == await intervals(runtime, spaces[1])
    for at in probes:
        before = [city for _, city, day in said if day <= at]
        expected = before[-1:] or ([] if stated else [said[0][1]])
        assert await cities(runtime, spaces[1], at) == expected, (at, said)
    # Transaction time: what memory believed after each write is still what
    # it answers "known at" that instant.
    for now, then in believed:
        for at, answer in then.items():
            assert await cities(runtime, spaces[1], at, known_at=now) == answer, (now, at)


async def test_patching_the_text_rolls_back_when_embedding_fails(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = scope()
    [fact] = await runtime.ingest.add_facts(
        here, [FactCreate(subject="Alice", predicate="lives_in", object="Boston")]
    )
    before = await runtime.store.count_references(here, fact.id)

    def broken(texts: list[str]) -> Any:
        raise RuntimeError("embedder down")

    monkeypatch.setattr(runtime.temporal._embedder, "embed", broken)
    with pytest.raises(RuntimeError):
        await runtime.temporal.update(
            here, fact.id, FactUpdate(text="Alice lives in Boston, MA", valid_from=SAID_FROM)
        )

    [after] = await runtime.store.get_facts(here, [fact.id])
    assert after == fact
    assert await runtime.store.count_references(here, fact.id) == before


async def test_patching_writes_nothing_before_its_one_store_write(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = scope()
    [fact] = await runtime.ingest.add_facts(
        here, [FactCreate(subject="Alice", predicate="lives_in", object="Boston")]
    )
    store: Any = runtime.store
    run, writes = store._query, []

    # The workers poll meanwhile; chain locks and leases are not data.
    passed = {"claim_episodes", "webhooks/claim", "lock_chains", "lease_chains", "release_chains"}

    async def failing(name: str, params: dict[str, Any], *, write: bool = False) -> Any:
        if write and name not in passed:
            writes.append(name)
            raise StoreError("store failed mid-change")
        return await run(name, params, write=write)

    monkeypatch.setattr(store, "_query", failing)
    with pytest.raises(StoreError):
        await runtime.temporal.update(here, fact.id, FactUpdate(text="Alice lives in Boston, MA"))
    monkeypatch.undo()

    assert writes == ["apply_versions"]  # one transaction: it fails whole
    [after] = await runtime.store.get_facts(here, [fact.id])
    assert after == fact


async def test_deleting_the_value_in_between_merges_a_return_into_one_fact(
    runtime: Runtime,
) -> None:
    here = scope()
    for city, year in [("Austin", 2010), ("Boston", 2012), ("Austin", 2014)]:
        start = datetime(year, 1, 1, tzinfo=UTC)
        await runtime.ingest.add_facts(
            here, [FactCreate(subject="Alice", predicate="lives_in", object=city, valid_from=start)]
        )
    assert await intervals(runtime, here) == [
        ("Austin", datetime(2010, 1, 1, tzinfo=UTC), datetime(2012, 1, 1, tzinfo=UTC)),
        ("Boston", datetime(2012, 1, 1, tzinfo=UTC), datetime(2014, 1, 1, tzinfo=UTC)),
        ("Austin", datetime(2014, 1, 1, tzinfo=UTC), None),
    ]
    before = datetime.now(UTC)
    await asyncio.sleep(0.01)  # transaction time has millisecond resolution
    events = await runtime.temporal.timeline(here)
    [boston] = {e.fact.id: e.fact for e in events if e.fact.object == "Boston"}.values()

    await runtime.temporal.delete_fact(here, boston.id)

    assert await intervals(runtime, here) == [("Austin", datetime(2010, 1, 1, tzinfo=UTC), None)]
    assert await cities(runtime, here, datetime(2013, 1, 1, tzinfo=UTC)) == ["Austin"]
    assert (await runtime.store.space_stats(here)).facts == 1
    # The second stay was believed a fact of its own until the delete.
    then = await cities(runtime, here, datetime(2015, 1, 1, tzinfo=UTC), known_at=before)
    assert then == ["Austin"]
    # Boston went with every version (a hard delete keeps no history).
    assert await cities(runtime, here, datetime(2013, 1, 1, tzinfo=UTC), known_at=before) == []

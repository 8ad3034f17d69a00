"""The GraphStore contract, run against every engine (DESIGN.md §3).

Each test gets the ``store`` fixture once per engine:

* ``falkordb`` -- one embedded FalkorDB (started by ``FalkorStore.open()``) for the
  whole session, in a temporary data dir;
* ``neo4j`` -- the session's Neo4j server (``neo4j_server`` in conftest.py:
  ``KENNING_TEST_NEO4J_URL``, a testcontainer, or the local launcher).

The database is shared by the session, so every test works in its own tenant
(see the ``scope`` fixture): the port filters every read by tenant, which is
itself part of the contract. Only ``claim_episodes`` looks across tenants; its
test first drains what earlier tests left pending (see :func:`drain_pending`).
Tenants share a per-session prefix; on Neo4j, whose server may outlive the
session, the session's tenants are deleted at the end.
"""

from __future__ import annotations

import asyncio
import random
import re
import uuid
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kenning.domain.ids import entity_key, new_id
from kenning.domain.models import EpisodeStatus, Fact, FactCreate, Scope
from kenning.errors import QueryMissing, StoreError, StoreUnavailable
from kenning.ingest.graph_write import GraphWriteBuilder
from kenning.store import base
from kenning.store.base import REQUIRED_QUERIES, CypherStore
from kenning.store.cypher import CypherLibrary
from kenning.store.falkordb.store import FalkorStore
from kenning.store.limits import StoreLimits
from kenning.store.neo4j.store import Neo4jStore
from kenning.store.port import (
    VECTOR_DIMENSION,
    EntityRow,
    FactRow,
    GraphWrite,
    MentionRow,
    NewEpisode,
    SpaceStats,
)
from kenning.temporal.supersession import Supersession
from tests.conftest import Neo4jServer
from tests.worker_scaffold import new_episode as scaffold_episode

T0 = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
T1 = T0 + timedelta(minutes=1)
T2 = T0 + timedelta(minutes=2)
T3 = T0 + timedelta(minutes=3)
#: Claims made by :func:`drain_pending` are dated here, so no test's
#: ``stale_before`` ever makes them stale again.
FAR_FUTURE = datetime(2999, 1, 1, tzinfo=UTC)
LEASE = timedelta(minutes=5)
#: Asks the shared ANN index for more candidates than the session ever stores.
ANN_K = 500


# -- engines -----------------------------------------------------------------


@dataclass
class Backend:
    """One engine under test: a shared open store and a way to build more."""

    engine: str
    store: CypherStore
    #: A new, unopened store on the same engine; for FalkorDB it owns ``data_dir``.
    make: Callable[[Path], CypherStore]


@pytest.fixture(scope="session")
async def falkordb_backend(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Backend]:
    def make(data_dir: Path) -> CypherStore:
        return FalkorStore("embedded", graph="contract", data_dir=data_dir)

    store = make(tmp_path_factory.mktemp("falkordb"))
    await store.open()
    try:
        yield Backend("falkordb", store, make)
    finally:
        await store.close()


@pytest.fixture(scope="session")
def tenant_prefix() -> str:
    """Every tenant of this session starts with it (see ``neo4j_backend``)."""
    return f"contract-{uuid.uuid4().hex[:8]}-"


@pytest.fixture(scope="session")
async def neo4j_backend(neo4j_server: Neo4jServer, tenant_prefix: str) -> AsyncIterator[Backend]:
    url, user, password = neo4j_server.url, neo4j_server.user, neo4j_server.password

    def make(data_dir: Path) -> CypherStore:
        # A cold JVM plans each query on its first run; on two busy cores a
        # first get_job took more than the 5 s default read timeout (as the
        # session's app, see conftest.settings_on).
        return Neo4jStore(url, user, password, limits=StoreLimits(read_timeout_s=30))

    store: Any = make(Path())
    await store.open()
    # Indexes created by open() come online asynchronously; the first search
    # must not meet one that is still populating.
    await store._run("CALL db.awaitIndexes(300)", {}, write=False)
    try:
        yield Backend("neo4j", store, make)
    finally:
        # The server may outlive the session (KENNING_TEST_NEO4J_URL): remove
        # this session's tenants so shared ANN and full-text indexes stay small.
        await store._run(
            "MATCH (n) WHERE n.tenant STARTS WITH $prefix DETACH DELETE n",
            {"prefix": tenant_prefix},
            write=True,
        )
        await store.close()


@pytest.fixture(params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def backend(request: pytest.FixtureRequest) -> Backend:
    """The engine under test (only the requested engine is started)."""
    value: Backend = request.getfixturevalue(f"{request.param}_backend")
    return value


@pytest.fixture
def store(backend: Backend) -> Any:
    """The shared open store of the engine under test (a ``GraphStore``)."""
    return backend.store


@pytest.fixture
def tenant(tenant_prefix: str) -> str:
    """A tenant no other test uses."""
    return f"{tenant_prefix}{uuid.uuid4().hex[:12]}"


@pytest.fixture
def scope(tenant: str) -> Scope:
    return Scope(tenant=tenant, space="s1")


# -- data builders -----------------------------------------------------------


def unit_vector(seed: int) -> list[float]:
    """A deterministic random unit vector of :data:`VECTOR_DIMENSION`."""
    v = np.random.default_rng(seed).standard_normal(VECTOR_DIMENSION)
    return [float(x) for x in v / np.linalg.norm(v)]


def near(vector: list[float], seed: int, noise: float = 0.2) -> list[float]:
    """A unit vector close to ``vector`` (cosine ≈ 0.98 for the default noise)."""
    v = np.asarray(vector) + noise * np.asarray(unit_vector(seed))
    return [float(x) for x in v / np.linalg.norm(v)]


def new_episode(
    content: str, *, at: datetime = T0, key: str | None = None, speaker: str = "alice"
) -> NewEpisode:
    return scaffold_episode(content, at=at, key=key, speaker=speaker)


def entity(name: str, type_: str = "Person") -> EntityRow:
    return EntityRow(id=new_id("en"), key=name.casefold(), name=name, type=type_)


def fact(
    subject: str,
    predicate: str,
    obj: str,
    text: str,
    *,
    episode_ids: list[str] | None = None,
    confidence: float = 0.8,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
) -> FactRow:
    return FactRow(
        id=new_id("fa"),
        subject_key=subject.casefold(),
        predicate=predicate,
        object_key=obj.casefold(),
        text=text,
        confidence=confidence,
        valid_from=valid_from,
        valid_to=valid_to,
        episode_ids=episode_ids or [],
    )


async def add(store: Any, scope: Scope, *contents: str, at: datetime = T0) -> list[str]:
    """Store episodes under a new job; return their ids."""
    refs = await store.add_episodes(scope, new_id("job"), [new_episode(c) for c in contents], at)
    assert all(r.created for r in refs)
    return [r.id for r in refs]


async def raw(store: Any, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run Cypher valid on both engines, for checks the port cannot express."""
    rows: list[dict[str, Any]] = await store._run(query, params, write=False)
    return rows


async def drain_pending(store: Any) -> None:
    """Claim everything earlier tests left pending, dated :data:`FAR_FUTURE`."""
    while await store.claim_episodes(1000, FAR_FUTURE, T0 - timedelta(days=3650)):
        pass


def by_id(facts: list[Fact]) -> dict[str, Fact]:
    return {f.id: f for f in facts}


@dataclass
class Seeded:
    """What :func:`seed` wrote into one scope."""

    job_id: str
    episode_ids: list[str]
    fact_ids: list[str]
    entity_ids: list[str]
    fact_vectors: list[list[float]]
    episode_vectors: list[list[float]]


async def seed(store: Any, scope: Scope) -> Seeded:
    """Two processed episodes, three entities and two facts, all with vectors."""
    job_id = new_id("job")
    episodes = [
        new_episode("We hiked the Dolomites with Alice last summer"),
        new_episode("Alice adopted a greyhound called Biscuit"),
    ]
    refs = await store.add_episodes(scope, job_id, episodes, T0)
    ep_ids = [r.id for r in refs]
    entities = [entity("Alice"), entity("Biscuit", "Animal"), entity("Dolomites", "Place")]
    facts = [
        fact("Alice", "hiked_in", "Dolomites", "Alice hiked the Dolomites", episode_ids=ep_ids[:1]),
        fact("Alice", "owns", "Biscuit", "Alice owns a greyhound", episode_ids=ep_ids[1:]),
    ]
    # Vectors of its own per scope, so copies in other tests' scopes never tie
    # with these in the shared ANN index.
    base = zlib.crc32(scope.tenant.encode()) * 100
    fact_vectors = [unit_vector(base + 1), unit_vector(base + 2)]
    episode_vectors = [unit_vector(base + 11), unit_vector(base + 12)]
    write = GraphWrite(
        entities=entities,
        facts=facts,
        mentions=[MentionRow(ep_ids[0], "alice"), MentionRow(ep_ids[1], "biscuit")],
        entity_vectors={e.key: unit_vector(base + 21 + i) for i, e in enumerate(entities)},
        fact_vectors={f.id: v for f, v in zip(facts, fact_vectors, strict=True)},
        episode_vectors=dict(zip(ep_ids, episode_vectors, strict=True)),
    )
    fact_ids = await store.write_graph(scope, write, ep_ids, T1)
    return Seeded(job_id, ep_ids, fact_ids, [e.id for e in entities], fact_vectors, episode_vectors)


# -- 1. add_episodes -----------------------------------------------------------


async def test_add_episodes_is_idempotent_on_dedup_key(store: Any, scope: Scope) -> None:
    job_id = new_id("job")
    episodes = [new_episode("first"), new_episode("second"), new_episode("third", key="k-3")]

    refs = await store.add_episodes(scope, job_id, episodes, T1)

    assert [(r.id, r.created) for r in refs] == [(e.id, True) for e in episodes]
    job = await store.get_job(scope.tenant, job_id)
    assert job is not None
    assert (job.id, job.space, job.created_at) == (job_id, "s1", T1)
    assert (job.total, job.pending, job.processing, job.done, job.failed) == (3, 3, 0, 0, 0)
    assert job.errors == []
    stored = {e.id: e for e in await store.get_episodes(scope, [e.id for e in episodes])}
    assert set(stored) == {e.id for e in episodes}
    first = stored[episodes[0].id]
    assert first.status is EpisodeStatus.PENDING
    assert (first.content, first.role, first.speaker) == ("first", "user", "alice")
    assert (first.occurred_at, first.recorded_at) == (T0, T1)
    assert first.content_hash == episodes[0].content_hash
    before = await store.space_stats(scope)
    assert before == SpaceStats("s1", episodes=3, entities=0, facts=0)

    # The same dedup keys under new episode ids (and new content for the
    # idempotency-keyed one), in another job, plus one genuinely new episode.
    resent = [replace(e, id=new_id("ep")) for e in episodes]
    resent[2] = replace(resent[2], content="third, edited")
    fresh = new_episode("fourth")
    again = await store.add_episodes(scope, new_id("job"), [*resent, fresh], T2)

    assert [(r.id, r.created) for r in again] == [
        *[(e.id, False) for e in episodes],
        (fresh.id, True),
    ]
    assert await store.space_stats(scope) == replace(before, episodes=4)
    kept = await store.get_episodes(scope, [episodes[2].id])
    assert [(e.content, e.recorded_at) for e in kept] == [("third", T1)]
    assert await store.get_episodes(scope, [r.id for r in resent]) == []

    # A pure resend stores nothing at all.
    await store.add_episodes(scope, new_id("job"), resent, T3)
    assert await store.space_stats(scope) == replace(before, episodes=4)


async def test_add_episodes_round_trips_optional_fields(store: Any, scope: Scope) -> None:
    episode = replace(
        new_episode("tagged", key="idem-1"),
        source="slack",
        metadata_json='{"channel": "general", "n": 3}',
        agent_id="agent-1",
        run_id="run-1",
        app_id="app-1",
        speaker=None,
    )
    await store.add_episodes(scope, new_id("job"), [episode], T1)

    [got] = await store.get_episodes(scope, [episode.id])

    assert got.speaker is None
    assert (got.source, got.agent_id, got.run_id, got.app_id) == (
        "slack",
        "agent-1",
        "run-1",
        "app-1",
    )
    assert got.metadata == {"channel": "general", "n": 3}
    assert got.error is None


# -- 2. claim_episodes ---------------------------------------------------------


async def test_claim_episodes_claims_then_retakes_stale_claims(store: Any, scope: Scope) -> None:
    await drain_pending(store)
    job_id = new_id("job")
    refs = await store.add_episodes(
        scope, job_id, [new_episode(f"claim me {i}") for i in range(3)], T0
    )
    ids = {r.id for r in refs}

    first = await store.claim_episodes(2, T1, T1 - LEASE)
    second = await store.claim_episodes(2, T1, T1 - LEASE)
    third = await store.claim_episodes(2, T1, T1 - LEASE)

    assert (len(first), len(second), third) == (2, 1, [])
    claimed = [c.episode for c in first + second]
    assert {e.id for e in claimed} == ids
    assert all(c.tenant == scope.tenant for c in first + second)
    assert all(e.status is EpisodeStatus.PROCESSING and e.space == "s1" for e in claimed)
    assert {e.content for e in claimed} == {f"claim me {i}" for i in range(3)}
    job = await store.get_job(scope.tenant, job_id)
    assert job is not None
    assert (job.pending, job.processing) == (0, 3)

    # Still within the lease: nothing is stale yet.
    assert await store.claim_episodes(10, T2, T1 - timedelta(seconds=1)) == []
    # The worker died: after the lease every claim made at T1 is taken again.
    retaken = await store.claim_episodes(10, T3, T1 + timedelta(seconds=1))
    assert {c.episode.id for c in retaken} == ids
    assert all(c.episode.status is EpisodeStatus.PROCESSING for c in retaken)
    # ... and the new claims (made at T3) are not stale for a T1-based cut-off.
    assert await store.claim_episodes(10, T3, T1 + timedelta(seconds=1)) == []


async def test_renew_claims_keeps_a_live_workers_claims(store: Any, scope: Scope) -> None:
    await drain_pending(store)
    job_id = new_id("job")
    refs = await store.add_episodes(
        scope, job_id, [new_episode(f"renew me {i}") for i in range(3)], T0
    )
    ids = [r.id for r in refs]
    assert len(await store.claim_episodes(10, T1, T1 - LEASE, worker="w1")) == 3

    # Only the claiming worker, in the claims' tenant and space, renews them.
    assert await store.renew_claims(scope, "w2", ids, T2) == 0
    assert await store.renew_claims(Scope(tenant=scope.tenant, space="s2"), "w1", ids, T2) == 0
    assert (
        await store.renew_claims(Scope(tenant=scope.tenant + "x", space="s1"), "w1", ids, T2) == 0
    )
    assert await store.renew_claims(scope, "w1", [*ids, "ep_unknown"], T2) == 3

    # Renewed at T2: a cut-off between T1 and T2 no longer makes them stale.
    cutoff = T1 + timedelta(seconds=1)
    assert await store.claim_episodes(10, T3, cutoff, worker="w2") == []
    job = await store.get_job(scope.tenant, job_id, cutoff)
    assert job is not None
    assert (job.processing, job.stuck) == (3, 0)
    # A lease that ran out after T2 shows as stuck claims ...
    later = T2 + timedelta(seconds=1)
    job = await store.get_job(scope.tenant, job_id, later)
    assert job is not None
    assert (job.processing, job.stuck) == (3, 3)
    # ... which another worker takes over; the first can no longer renew them.
    assert len(await store.claim_episodes(10, T3, later, worker="w2")) == 3
    assert await store.renew_claims(scope, "w1", ids, T3) == 0
    assert await store.renew_claims(scope, "w2", ids, T3) == 3
    # A worker claims only when it holds no batch: its own claims still
    # processing were dropped (an outage mid-batch) and are taken again at once.
    assert await store.claim_episodes(10, T3, T1 - LEASE, worker="w1") == []
    assert len(await store.claim_episodes(10, T3, T1 - LEASE, worker="w2")) == 3


async def test_retry_failed_episodes_queues_them_again(store: Any, scope: Scope) -> None:
    await drain_pending(store)
    job_id = new_id("job")
    refs = await store.add_episodes(scope, job_id, [new_episode("ok"), new_episode("bad")], T0)
    ok, bad = (r.id for r in refs)
    assert len(await store.claim_episodes(10, T1, T1 - LEASE, worker="retry-a")) == 2
    await store.fail_episodes(scope.tenant, [bad], "ValueError: boom")

    other = Scope(tenant=scope.tenant + "x", space="s1")
    assert await store.retry_failed_episodes(other.tenant, job_id) == 0
    assert await store.retry_failed_episodes(scope.tenant, "job_unknown") == 0
    assert await store.retry_failed_episodes(scope.tenant, job_id) == 1

    job = await store.get_job(scope.tenant, job_id)
    assert job is not None
    assert (job.pending, job.processing, job.failed, job.errors) == (1, 1, 0, [])
    assert await store.retry_failed_episodes(scope.tenant, job_id) == 0  # nothing failed now
    (episode,) = await store.get_episodes(scope, [bad])
    assert (episode.status, episode.error) == (EpisodeStatus.PENDING, None)
    # The worker claims it again; the episode still processing is not retaken.
    again = await store.claim_episodes(10, T2, T1 - LEASE, worker="retry-b")
    assert [c.episode.id for c in again] == [bad]
    assert ok not in {c.episode.id for c in again}


# -- 3. write_graph --------------------------------------------------------------


async def test_write_graph_stores_and_merges(store: Any, scope: Scope) -> None:
    job_id = new_id("job")
    refs = await store.add_episodes(
        scope, job_id, [new_episode("Alice joined Acme"), new_episode("Alice is in Paris")], T0
    )
    ep1, ep2 = (r.id for r in refs)
    valid_from = datetime(2023, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    entities = [entity("Alice"), entity("Acme", "Organization"), entity("Paris", "Place")]
    facts = [
        fact(
            "Alice",
            "works_at",
            "Acme",
            "Alice works at Acme",
            episode_ids=[ep1],
            confidence=0.75,
            valid_from=valid_from,
        ),
        fact("Alice", "lives_in", "Paris", "Alice lives in Paris", episode_ids=[ep2]),
    ]
    write = GraphWrite(
        entities=entities,
        facts=facts,
        mentions=[MentionRow(ep1, "alice"), MentionRow(ep1, "acme"), MentionRow(ep2, "paris")],
        entity_vectors={e.key: unit_vector(i) for i, e in enumerate(entities)},
        fact_vectors={f.id: unit_vector(10 + i) for i, f in enumerate(facts)},
        episode_vectors={ep1: unit_vector(20), ep2: unit_vector(21)},
    )

    fact_ids = await store.write_graph(scope, write, [ep1, ep2], T1)

    assert fact_ids == [f.id for f in facts]
    got = by_id(await store.get_facts(scope, [*fact_ids, "fa_unknown"]))
    assert set(got) == set(fact_ids)
    works = got[fact_ids[0]]
    assert (works.subject, works.predicate, works.object) == ("Alice", "works_at", "Acme")
    assert (works.text, works.confidence, works.space) == ("Alice works at Acme", 0.75, "s1")
    assert works.valid_from == valid_from
    assert works.valid_from is not None
    assert works.valid_from.utcoffset() == timedelta(0)
    assert (works.valid_to, works.expired_at, works.superseded_by) == (None, None, None)
    assert (works.recorded_at, works.episode_ids) == (T1, [ep1])
    lives = got[fact_ids[1]]
    assert (lives.subject, lives.predicate, lives.object) == ("Alice", "lives_in", "Paris")
    assert (lives.valid_from, lives.episode_ids) == (None, [ep2])

    job = await store.get_job(scope.tenant, job_id)
    assert job is not None
    assert (job.total, job.pending, job.processing, job.done, job.failed) == (2, 0, 0, 2, 0)
    episodes = await store.get_episodes(scope, [ep1, ep2])
    assert {e.status for e in episodes} == {EpisodeStatus.DONE}

    listed = await store.list_facts(scope, "", 100)
    assert (sorted(f.id for f in listed.items), listed.next_after) == (sorted(fact_ids), None)
    assert by_id(listed.items) == got
    ents = await store.list_entities(scope, "", 100)
    assert ents.next_after is None
    assert sorted((e.id, e.key, e.name, e.type) for e in ents.items) == sorted(
        (e.id, e.key, e.name, e.type) for e in entities
    )
    assert all((e.created_at, e.updated_at, e.aliases) == (T1, T1, []) for e in ents.items)
    mentions = await raw(
        store,
        "MATCH (e:Episode {tenant: $tenant, space: $space})-[:MENTIONS]->(n:Entity) "
        "RETURN e.id AS episode, n.key AS key",
        {"tenant": scope.tenant, "space": scope.space},
    )
    expected_mentions = sorted([(ep1, "acme"), (ep1, "alice"), (ep2, "paris")])
    assert sorted((m["episode"], m["key"]) for m in mentions) == expected_mentions

    # The same rows again under new row ids: everything merges.
    again_entities = [replace(e, id=new_id("en")) for e in entities]
    again_entities[0] = replace(again_entities[0], name="Alice Smith")
    again_facts = [
        replace(facts[0], id=new_id("fa"), episode_ids=[ep2, ep1], confidence=0.9),
        replace(facts[1], id=new_id("fa"), episode_ids=[ep2], confidence=0.5),
    ]
    again = GraphWrite(entities=again_entities, facts=again_facts, mentions=write.mentions)

    assert await store.write_graph(scope, again, [], T2) == fact_ids
    assert await store.space_stats(scope) == SpaceStats("s1", episodes=2, entities=3, facts=2)
    merged = by_id(await store.get_facts(scope, fact_ids))
    assert sorted(merged[fact_ids[0]].episode_ids) == sorted([ep1, ep2])
    assert merged[fact_ids[0]].confidence == 0.9  # the higher confidence wins
    assert merged[fact_ids[1]].episode_ids == [ep2]
    assert merged[fact_ids[1]].confidence == 0.8  # ... and a lower one does not
    assert merged[fact_ids[0]].recorded_at == T1
    assert await store.get_facts(scope, [f.id for f in again_facts]) == []
    ents_again = {e.key: e for e in (await store.list_entities(scope, "", 100)).items}
    assert {e.id for e in ents_again.values()} == {e.id for e in entities}
    assert ents_again["alice"].name == "Alice"
    assert ents_again["alice"].aliases == ["Alice Smith"]
    assert (ents_again["alice"].created_at, ents_again["alice"].updated_at) == (T1, T2)
    mentions_again = await raw(
        store,
        "MATCH (e:Episode {tenant: $tenant, space: $space})-[m:MENTIONS]->(:Entity) "
        "RETURN count(m) AS n",
        {"tenant": scope.tenant, "space": scope.space},
    )
    assert mentions_again == [{"n": 3}]


@pytest.mark.parametrize(
    "instant",
    [
        pytest.param(datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC), id="leap-day"),
        pytest.param(datetime(1961, 8, 4, 19, 24, 0, 250000, tzinfo=UTC), id="before-1970"),
        pytest.param(datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC), id="year-9999"),
        pytest.param(
            datetime(2024, 5, 6, 9, 8, 9, 123000, tzinfo=timezone(timedelta(hours=2))),
            id="non-utc-offset",
        ),
    ],
)
async def test_instants_round_trip_to_the_millisecond(
    store: Any, scope: Scope, instant: datetime
) -> None:
    await store.write_graph(
        scope,
        GraphWrite(
            entities=[entity("Ada"), entity("Byron")],
            facts=[fact("Ada", "knows", "Byron", "Ada knows Byron", valid_from=instant)],
        ),
        [],
        instant,
    )

    # Asked at that instant: a fact recorded in 9999 is not known yet today.
    page = await store.list_facts(scope, "", 10, as_of=instant, known_at=instant)
    [got] = page.items

    assert got.valid_from == instant
    assert got.recorded_at == instant
    assert got.valid_from is not None
    assert got.valid_from.utcoffset() == timedelta(0)


async def test_sub_millisecond_instants_never_round_up(store: Any, scope: Scope) -> None:
    # Engines may keep less than microseconds, but an instant must never move
    # later than it was (that could reorder events across a millisecond).
    instants = [
        datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        datetime(1961, 8, 4, 19, 24, 0, 123456, tzinfo=UTC),
    ]
    for i, instant in enumerate(instants):
        await store.write_graph(
            scope,
            GraphWrite(
                entities=[entity("Ada"), entity(f"Other{i}")],
                facts=[fact("Ada", "knows", f"Other{i}", "Ada knows", valid_from=instant)],
            ),
            [],
            T1,
        )

    got = sorted(
        f.valid_from for f in (await store.list_facts(scope, "", 10)).items if f.valid_from
    )

    assert len(got) == 2
    for value, instant in zip(got, sorted(instants), strict=True):
        floor = instant.replace(microsecond=instant.microsecond // 1000 * 1000)
        assert floor <= value <= instant


async def test_write_graph_without_episode_vectors_marks_done(store: Any, scope: Scope) -> None:
    job_id = new_id("job")
    refs = await store.add_episodes(scope, job_id, [new_episode("no vector")], T0)

    await store.write_graph(scope, GraphWrite(), [refs[0].id], T1)

    job = await store.get_job(scope.tenant, job_id)
    assert job is not None
    assert (job.done, job.pending) == (1, 0)


async def test_merged_fact_row_still_sets_its_vector(store: Any, scope: Scope) -> None:
    first = fact("Ada", "knows", "Byron", "Ada knows Byron")
    await store.write_graph(
        scope, GraphWrite(entities=[entity("Ada"), entity("Byron")], facts=[first]), [], T1
    )
    retry = replace(first, id=new_id("fa"))
    vector = unit_vector(zlib.crc32(scope.tenant.encode()))

    stored = await store.write_graph(
        scope,
        GraphWrite(
            entities=[entity("Ada"), entity("Byron")],
            facts=[retry],
            fact_vectors={retry.id: vector},
        ),
        [],
        T2,
    )

    assert stored == [first.id]
    hits = await store.vector_search(scope, "fact", vector, 10, exact=True)
    assert [h.id for h in hits] == [first.id]


async def test_add_no_episodes(store: Any, scope: Scope) -> None:
    assert await store.add_episodes(scope, new_id("job"), [], T1) == []


async def test_a_key_repeated_in_one_batch_is_one_episode(store: Any, scope: Scope) -> None:
    job_id = new_id("job")
    twice = new_episode("said twice")
    refs = await store.add_episodes(scope, job_id, [twice, replace(twice, id=new_id("ep"))], T0)

    assert [r.created for r in refs] == [True, False]
    assert refs[0].id == refs[1].id == twice.id
    job = await store.get_job(scope.tenant, job_id)
    assert job is not None
    assert (job.total, job.pending) == (1, 1)


async def test_a_fact_naming_a_missing_entity_is_refused(store: Any, scope: Scope) -> None:
    orphan = fact("Nobody", "knows", "Nothing", "Nobody knows nothing")
    with pytest.raises(StoreError, match="entity key missing"):
        await store.write_graph(scope, GraphWrite(facts=[orphan]), [], T1)


# -- 4. keyset pagination ---------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 3, 7, 8])
async def test_keyset_pagination_walks_everything(store: Any, scope: Scope, limit: int) -> None:
    entities = [entity(f"Node{i}") for i in range(7)]
    facts = [
        fact(f"Node{i}", "next", f"Node{(i + 1) % 7}", f"Node{i} precedes the next node")
        for i in range(7)
    ]
    await store.write_graph(scope, GraphWrite(entities=entities, facts=facts), [], T1)

    async def walk(list_page: Callable[..., Any]) -> list[str]:
        seen: list[str] = []
        after = ""
        for _ in range(20):
            page = await list_page(scope, after, limit)
            assert len(page.items) <= limit
            seen.extend(item.id for item in page.items)
            if page.next_after is None:
                return seen
            assert page.next_after == page.items[-1].id
            after = page.next_after
        raise AssertionError("pagination did not end")

    assert await walk(store.list_facts) == sorted(f.id for f in facts)
    assert await walk(store.list_entities) == sorted(e.id for e in entities)
    last = await store.list_facts(scope, sorted(f.id for f in facts)[-1], limit)
    assert (last.items, last.next_after) == ([], None)


# -- 5. vector search ----------------------------------------------------------------


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "ann"])
async def test_vector_search_ranks_nearest_first(store: Any, scope: Scope, exact: bool) -> None:
    seeded = await seed(store, scope)

    for kind, ids, vectors in (
        ("fact", seeded.fact_ids, seeded.fact_vectors),
        ("episode", seeded.episode_ids, seeded.episode_vectors),
    ):
        for target in range(2):
            hits = await store.vector_search(
                scope, kind, near(vectors[target], 999), ANN_K, exact=exact
            )
            assert [h.id for h in hits][:1] == [ids[target]], (kind, target)
            if exact:
                assert sorted(h.id for h in hits) == sorted(ids)
            else:  # the far item may fall outside the global top k
                assert {h.id for h in hits} <= set(ids)
            assert all(-1.0 <= h.score <= 1.0 + 1e-6 for h in hits)
            assert hits[0].score > 0.9
            assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

        hits = await store.vector_search(scope, kind, vectors[1], ANN_K, exact=exact)
        assert hits[0].id == ids[1]
        assert hits[0].score == pytest.approx(1.0, abs=1e-4)
        if exact:
            assert abs(hits[1].score) < 0.3  # random 384-d vectors are near orthogonal


async def test_exact_vector_search_orders_equal_scores_by_id(store: Any, scope: Scope) -> None:
    # Facts with the same text have the same vector; stored in the reverse of
    # their id order, a tie must still come back by id (the engines' own order
    # of equal rows changed when a graph was reloaded, and LoCoMo rankings
    # with it).
    rows = [fact("Ada", f"likes_{i}", "Tea", "Ada likes tea") for i in range(4)]
    rows.sort(key=lambda r: r.id, reverse=True)
    vector = unit_vector(4242)
    await store.write_graph(
        scope,
        GraphWrite(
            entities=[entity("Ada"), entity("Tea")],
            facts=rows,
            fact_vectors={r.id: vector for r in rows},
        ),
        [],
        T0,
    )

    hits = await store.vector_search(scope, "fact", vector, 3, exact=True)

    assert [h.id for h in hits] == sorted(r.id for r in rows)[:3]


async def test_ann_search_asks_again_while_other_tenants_crowd_the_index(
    backend: Backend, scope: Scope
) -> None:
    if backend.engine == "falkordb":
        pytest.skip(
            "FalkorDB's ANN query returns k candidates across all scopes, then "
            "filters (the caller oversamples); only the Neo4j adapter asks again"
        )
    store = backend.store
    target = unit_vector(zlib.crc32(scope.tenant.encode()) * 100 + 50)
    busy = Scope(tenant=f"{scope.tenant}-busy", space=scope.space)
    crowd = [fact(f"B{i}", "near", "Target", f"crowd {i}") for i in range(8)]
    await store.write_graph(
        busy,
        GraphWrite(
            entities=[entity(f"B{i}") for i in range(8)] + [entity("Target")],
            facts=crowd,
            fact_vectors={f.id: near(target, i, noise=0.05) for i, f in enumerate(crowd)},
        ),
        [],
        T0,
    )
    mine = fact("Ada", "near", "Target", "mine")
    [my_fact] = await store.write_graph(
        scope,
        GraphWrite(
            entities=[entity("Ada"), entity("Target")],
            facts=[mine],
            fact_vectors={mine.id: near(target, 99, noise=0.5)},
        ),
        [],
        T0,
    )
    # Asked for 1, the index's nearest 1 and 4 are all the other tenant's.
    hits = await store.vector_search(scope, "fact", target, 1, exact=False)
    assert [h.id for h in hits] == [my_fact]


async def test_exact_vector_search_scores_span_minus_one_to_one(store: Any, scope: Scope) -> None:
    seeded = await seed(store, scope)
    opposite = [-x for x in seeded.fact_vectors[0]]

    hits = await store.vector_search(scope, "fact", opposite, 10, exact=True)

    assert [h.id for h in hits] == [seeded.fact_ids[1], seeded.fact_ids[0]]
    assert hits[-1].score == pytest.approx(-1.0, abs=1e-4)
    assert (await store.vector_search(scope, "fact", opposite, 1, exact=True))[0].id == (
        seeded.fact_ids[1]
    )


# -- 6. full-text search -------------------------------------------------------------


async def test_fulltext_search_finds_facts_and_episodes(store: Any, scope: Scope) -> None:
    seeded = await seed(store, scope)
    hiked, owns = seeded.fact_ids
    dolomites_ep, greyhound_ep = seeded.episode_ids

    async def ids(kind: str, *terms: str) -> list[str]:
        return [h.id for h in await store.fulltext_search(scope, kind, list(terms), 10)]

    assert await ids("fact", "greyhound") == [owns]
    assert await ids("episode", "Dolomites") == [dolomites_ep]
    assert await ids("episode", "biscuit") == [greyhound_ep]
    assert sorted(await ids("fact", "greyhound", "dolomites")) == sorted([hiked, owns])
    assert await ids("fact", "zeppelin") == []
    hits = await store.fulltext_search(scope, "fact", ["greyhound"], 10)
    assert hits[0].score > 0


async def test_fulltext_terms_match_content_and_speaker(store: Any, scope: Scope) -> None:
    said = [
        new_episode("We hiked the Dolomites", speaker="Zelda"),
        new_episode("Zelda hiked there too", speaker="bob"),
        new_episode("Nothing to see", speaker="bob"),
    ]
    ids = [r.id for r in await store.add_episodes(scope, new_id("job"), said, T0)]

    async def terms(*words: str, max_df: int = 10, at: datetime = T1) -> dict[str, Any]:
        found = await store.fulltext_terms(scope, "episode", list(words), max_df, at, at)
        return {m.term: m for m in found}

    found = await terms("zelda", "hiked", "absent")
    # The speaker is searchable: the first turn never says "Zelda".
    assert found["zelda"].df == 2
    assert sorted(zip(found["zelda"].ids, found["zelda"].lengths, strict=True)) == sorted(
        [(ids[0], len(said[0].content)), (ids[1], len(said[1].content))]
    )
    assert found["hiked"].df == 2
    assert "absent" not in found
    capped = await terms("zelda", max_df=1)
    assert (capped["zelda"].df, capped["zelda"].ids, capped["zelda"].lengths) == (2, [], [])
    assert await terms("zelda", at=T0 - timedelta(seconds=1)) == {}  # not yet recorded


async def test_fulltext_terms_of_one_query_are_counted_word_by_word(
    store: Any, scope: Scope
) -> None:
    # Each word is in max_df episodes, together in more than max_df + 1: a
    # read cap applied to the whole query instead of per word would show
    # here as a short df or missing ids.
    said = [new_episode(f"{word} number {i}") for word in ("quokka", "axolotl") for i in range(3)]
    ids = [r.id for r in await store.add_episodes(scope, new_id("job"), said, T0)]
    found = await store.fulltext_terms(scope, "episode", ["quokka", "axolotl"], 3, T1, T1)
    by_term = {m.term: (m.df, sorted(m.ids)) for m in found}
    assert by_term == {"quokka": (3, sorted(ids[:3])), "axolotl": (3, sorted(ids[3:]))}


async def test_fulltext_finds_the_scope_s_match_among_many_of_other_tenants(
    store: Any, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A busy database: another tenant holds many more (and shorter, so better
    # scoring) matches of the word than any candidate limit. A limit applied
    # across tenants before the tenant filter would lose this scope's match.
    monkeypatch.setattr(base, "FULLTEXT_CANDIDATES", 10)
    busy = Scope(tenant=f"{scope.tenant}-busy", space=scope.space)
    crowd = 40
    await store.add_episodes(
        busy, new_id("job"), [new_episode(f"quokka {i}") for i in range(crowd)], T0
    )
    names = [entity(f"Q{i}") for i in range(crowd)] + [entity("Rottnest", "Place")]
    rows = [fact(f"Q{i}", "is_a", "Rottnest", f"quokka {i}") for i in range(crowd)]
    await store.write_graph(busy, GraphWrite(entities=names, facts=rows), [], T0)
    [mine] = await add(store, scope, "A quokka smiled at the hikers on the island")
    write = GraphWrite(
        entities=[entity("Ada"), entity("Rottnest", "Place")],
        facts=[fact("Ada", "met", "Rottnest", "Ada met a quokka on the long island walk")],
    )
    [my_fact] = await store.write_graph(scope, write, [], T0)

    for kind, wanted in (("episode", mine), ("fact", my_fact)):
        hits = await store.fulltext_search(scope, kind, ["quokka"], 1)
        assert [h.id for h in hits] == [wanted], kind
        [found] = await store.fulltext_terms(scope, kind, ["quokka"], 10, T1, T1)
        assert (found.df, found.ids) == (1, [wanted]), kind


@pytest.mark.parametrize(
    "terms",
    [
        ["foo|bar -baz @x:y *"],
        ["*"],
        [""],
        ["-", "|", "@", ":", "~", "%", '"', "(", ")", "[", "]", "{", "}", "\\", "/", "^", "!"],
        ['"unbalanced', "(open", "[range TO", "{x}", "q:z", "x^2", "fuzzy~1", "wild*"],
        ["AND", "OR", "NOT", "TO", "&&", "||"],
        ["=>{$weight: 2.0}", "@text:(x)", "$param", "%%fuzzy%%", "'quoted'"],
    ],
    ids=["brief", "star", "empty", "operators", "lucene", "keywords", "redisearch"],
)
async def test_fulltext_search_cannot_be_injected(
    store: Any, scope: Scope, terms: list[str]
) -> None:
    await seed(store, scope)

    for kind in ("fact", "episode"):
        assert await store.fulltext_search(scope, kind, terms, 10) == []


async def test_fulltext_search_terms_are_plain_words(store: Any, scope: Scope) -> None:
    seeded = await seed(store, scope)
    owns = seeded.fact_ids[1]

    async def ids(*terms: str) -> list[str]:
        return [h.id for h in await store.fulltext_search(scope, "fact", list(terms), 10)]

    # A leading '-' would negate in both syntaxes; it must not exclude the match.
    assert await ids("-greyhound") == [owns]
    assert await ids("NOT greyhound") == [owns]
    assert await ids("owns:greyhound") == [owns]  # not a field query
    assert await ids('"greyhound') == [owns]


LUCENE_OPERATORS = frozenset({"AND", "OR", "NOT", "TO"})


@pytest.mark.parametrize(
    ("make", "separator", "operators", "searched"),
    [
        (
            lambda: FalkorStore("falkordb://127.0.0.1:1", "contract", Path()),
            "|",
            frozenset(),
            {"über"},
        ),
        # Both engines' analysers drop stop words ("and", "or", "not", "to"),
        # so the adapters leave them out: alone they would match every item
        # (of the scope, on FalkorDB, whose query also names the scope's tokens).
        (
            lambda: Neo4jStore("bolt://127.0.0.1:1", "neo4j", "neo4j"),
            " OR ",
            LUCENE_OPERATORS,
            {"über"},
        ),
    ],
    ids=["falkordb", "neo4j"],
)
def test_fulltext_query_text_is_plain_words(
    make: Callable[[], CypherStore], separator: str, operators: frozenset[str], searched: set[str]
) -> None:
    # Checked without a server too, so the Neo4j spelling is covered where no
    # Neo4j runs: only word characters, and none of the syntax's operator words.
    store = make()
    terms = ["foo|bar -baz @x:y *", "AND OR NOT TO", '"q" (r) [s] {t} u~ v^2 w\\ x/ y!', "Über"]

    query = store._fulltext_query(terms)

    words = query.split(separator)
    assert len(words) == 16 + len(searched & {"and", "or", "not", "to"}) * 2, query
    assert all(re.fullmatch(r"\w+", w) for w in words), query
    assert not operators & set(words), query
    assert {w.casefold() for w in words} >= searched  # still searched for
    assert store._fulltext_query(["* - | ~"]) == ""


async def test_entity_facts_follow_facts_in_both_directions(store: Any, scope: Scope) -> None:
    """A seed's facts come back whether it is their subject or their object,
    each with the facts of its other end (hop 2) in either direction. FalkorDB
    4.16 lost a seed's incoming facts while the query filtered on the fact's
    own scope (it answered that from its FACT index, one direction only), so
    the graph channel ranked differently on the two engines (issue 10)."""
    ann, bob, cat, dan = (entity(name) for name in ("Ann", "Bob", "Cat", "Dan"))
    rows = [
        fact("Ann", "knows", "Bob", "Ann knows Bob"),  # Bob is the object
        fact("Bob", "likes", "Cat", "Bob likes Cat"),  # Bob is the subject
        fact("Dan", "met", "Ann", "Dan met Ann"),  # hop 2 from Bob, into Ann
    ]
    write = GraphWrite(entities=[ann, bob, cat, dan], facts=rows)
    knows, likes, met = await store.write_graph(scope, write, [], T1)

    found = await store.entity_facts(scope, [bob.id], T3, T3, 25)
    assert {(r.seed, r.id, tuple(r.second)) for r in found} == {
        (bob.id, knows, (met,)),
        (bob.id, likes, ()),
    }
    assert {r.id for r in await store.entity_facts(scope, [ann.id], T3, T3, 25)} == {knows, met}
    assert await store.entity_facts(scope, [bob.id], T3, T3, 1) == []  # Bob has 2 facts


async def test_entity_facts_expand_a_neighbour_only_within_the_degree_cap(
    store: Any, scope: Scope
) -> None:
    """A seed's neighbour with more facts than the cap, counted in both
    directions, comes back unexpanded (no hop 2); within the cap it is
    expanded. FalkorDB counts degrees with indegree/outdegree, Neo4j with
    a pattern: both must count the same facts."""
    ann, bob, cat, dan = (entity(name) for name in ("Ann", "Bob", "Cat", "Dan"))
    rows = [
        fact("Ann", "knows", "Bob", "Ann knows Bob"),  # into Bob
        fact("Cat", "likes", "Bob", "Cat likes Bob"),  # into Bob
        fact("Bob", "met", "Dan", "Bob met Dan"),  # out of Bob: Bob has 3 facts
    ]
    write = GraphWrite(entities=[ann, bob, cat, dan], facts=rows)
    knows, likes, met = await store.write_graph(scope, write, [], T1)

    capped = await store.entity_facts(scope, [ann.id], T3, T3, 2)
    assert [(r.seed, r.id, r.second) for r in capped] == [(ann.id, knows, [])]
    expanded = await store.entity_facts(scope, [ann.id], T3, T3, 3)
    assert [(r.seed, r.id, sorted(r.second)) for r in expanded] == [
        (ann.id, knows, sorted([likes, met]))
    ]


# -- 7. isolation ---------------------------------------------------------------------


async def test_tenants_and_spaces_are_isolated(store: Any, tenant: str) -> None:
    home = Scope(tenant=tenant, space="s1")
    seeded = await seed(store, home)
    other_tenant = Scope(tenant=f"{tenant}-other", space="s1")
    other_space = Scope(tenant=tenant, space="s2")
    # Something to find in the other scopes too, so "nothing" is not "empty store".
    await add(store, other_space, "unrelated")

    assert len(await store.get_facts(home, seeded.fact_ids)) == 2
    for scope in (other_tenant, other_space):
        assert await store.get_facts(scope, seeded.fact_ids) == [], scope
        assert await store.get_episodes(scope, seeded.episode_ids) == [], scope
        assert (await store.list_facts(scope, "", 100)).items == [], scope
        assert (await store.list_entities(scope, "", 100)).items == [], scope
        for exact in (True, False):
            for kind, vector in (
                ("fact", seeded.fact_vectors[0]),
                ("episode", seeded.episode_vectors[0]),
            ):
                assert await store.vector_search(scope, kind, vector, ANN_K, exact=exact) == []
        for kind in ("fact", "episode"):
            # (Not "Alice": she is the speaker of the other space's episode.)
            assert await store.fulltext_search(scope, kind, ["greyhound", "Dolomites"], 10) == []
    assert await store.space_stats(other_tenant) == SpaceStats("s1", 0, 0, 0)
    assert await store.space_stats(other_space) == SpaceStats("s2", 1, 0, 0)
    assert await store.get_job(other_tenant.tenant, seeded.job_id) is None
    assert await store.list_spaces(other_tenant.tenant) == []
    # get_job is keyed by tenant only; the job names its space.
    job = await store.get_job(tenant, seeded.job_id)
    assert job is not None
    assert job.space == "s1"

    # Writes are scoped too: the same keys in another space are other entities.
    await store.write_graph(
        other_space,
        GraphWrite(
            entities=[entity("Alice"), entity("Biscuit")],
            facts=[fact("Alice", "owns", "Biscuit", "Alice owns a greyhound")],
        ),
        [],
        T2,
    )
    assert await store.space_stats(home) == SpaceStats("s1", 2, 3, 2)
    assert await store.space_stats(other_space) == SpaceStats("s2", 1, 2, 1)
    # ... and a fail from another tenant touches nothing.
    await store.fail_episodes(other_tenant.tenant, seeded.episode_ids, "not yours")
    episodes = await store.get_episodes(home, seeded.episode_ids)
    assert {(e.status, e.error) for e in episodes} == {(EpisodeStatus.DONE, None)}


# -- 8. fail_episodes -----------------------------------------------------------------


async def test_fail_episodes_records_the_error(store: Any, scope: Scope) -> None:
    job_id = new_id("job")
    refs = await store.add_episodes(scope, job_id, [new_episode("one"), new_episode("two")], T0)
    failed_id, pending_id = (r.id for r in refs)

    await store.fail_episodes(scope.tenant, [failed_id], "ModelError: extractor crashed")

    job = await store.get_job(scope.tenant, job_id)
    assert job is not None
    assert (job.pending, job.failed, job.done) == (1, 1, 0)
    assert job.errors == ["ModelError: extractor crashed"]
    eps = {e.id: e for e in await store.get_episodes(scope, [failed_id, pending_id])}
    assert (eps[failed_id].status, eps[failed_id].error) == (
        EpisodeStatus.FAILED,
        "ModelError: extractor crashed",
    )
    assert (eps[pending_id].status, eps[pending_id].error) == (EpisodeStatus.PENDING, None)

    await store.fail_episodes(scope.tenant, [pending_id], "x" * 5000)
    job = await store.get_job(scope.tenant, job_id)
    assert job is not None
    assert job.failed == 2
    assert sorted(job.errors) == sorted(["ModelError: extractor crashed", "x" * 2000])

    # A later successful write clears the failure.
    await store.write_graph(scope, GraphWrite(), [failed_id, pending_id], T1)
    job = await store.get_job(scope.tenant, job_id)
    assert job is not None
    assert (job.failed, job.done, job.errors) == (0, 2, [])


# -- 9. list_spaces --------------------------------------------------------------------


async def test_list_spaces_lists_the_tenants_spaces_only(store: Any, tenant: str) -> None:
    await add(store, Scope(tenant=tenant, space="beta"), "b1", "b2")
    await add(store, Scope(tenant=tenant, space="alpha"), "a1")
    await add(store, Scope(tenant=f"{tenant}-x", space="gamma"), "g1")
    # A space holding only entities and facts (POST /v1/facts) counts too.
    await store.write_graph(
        Scope(tenant=tenant, space="delta"),
        GraphWrite(
            entities=[entity("Ada"), entity("Byron")],
            facts=[fact("Ada", "knows", "Byron", "Ada knows Byron")],
        ),
        [],
        T1,
    )

    assert await store.list_spaces(tenant) == ["alpha", "beta", "delta"]
    assert await store.list_spaces(f"{tenant}-x") == ["gamma"]
    assert await store.list_spaces(f"{tenant}-none") == []


# -- 10. open / close -----------------------------------------------------------------


async def test_open_and_close_are_idempotent(backend: Backend, tenant: str, tmp_path: Path) -> None:
    scope = Scope(tenant=tenant, space="s1")
    store: Any = backend.make(tmp_path)
    await store.open()
    await store.open()
    await store.ping()
    ids = await add(store, scope, "survives a restart")
    await store.close()
    await store.close()
    with pytest.raises(StoreUnavailable):
        await store.ping()

    # A new store on the same database sets the schema up again over it.
    again: Any = backend.make(tmp_path)
    await again.open()
    try:
        await again.ping()
        assert [e.content for e in await again.get_episodes(scope, ids)] == ["survives a restart"]
    finally:
        await again.close()
    await again.close()


# -- 11. StoreUnavailable ----------------------------------------------------------------


async def test_falkordb_unreachable_raises_store_unavailable(tmp_path: Path) -> None:
    store = FalkorStore("falkordb://127.0.0.1:1", graph="contract", data_dir=tmp_path)
    try:
        with pytest.raises(StoreUnavailable):
            await store.open()
        with pytest.raises(StoreUnavailable):
            await store.ping()
    finally:
        await store.close()


# -- the Cypher loader --------------------------------------------------------------------


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_cypher_dialect_file_overrides_common(tmp_path: Path) -> None:
    _write(tmp_path / "common" / "shared.cypher", "// shared by both\nRETURN 'common' AS x\n")
    _write(tmp_path / "common" / "only_common.cypher", "RETURN 1 AS x")
    _write(tmp_path / "falkordb" / "shared.cypher", "// FalkorDB text\nRETURN 'falkor' AS x")
    _write(tmp_path / "falkordb" / "schema.cypher", "CREATE INDEX a;\n// note\nCREATE INDEX b;\n")
    _write(tmp_path / "falkordb" / "notes.txt", "not a query")
    _write(tmp_path / "common" / "agents" / "runs.cypher", "RETURN 'common runs' AS x")
    _write(tmp_path / "neo4j" / "agents" / "runs.cypher", "RETURN 'neo4j runs' AS x")

    falkor = CypherLibrary("falkordb", ["shared", "only_common", "schema"], root=tmp_path)
    neo4j = CypherLibrary("neo4j", ["shared", "only_common", "agents/runs"], root=tmp_path)

    assert falkor.query("shared") == "RETURN 'falkor' AS x"
    assert neo4j.query("shared") == "RETURN 'common' AS x"
    assert falkor.query("only_common") == neo4j.query("only_common") == "RETURN 1 AS x"
    assert falkor.statements("schema") == ["CREATE INDEX a", "CREATE INDEX b"]
    # capability subfolders name their queries "<folder>/<stem>" and override alike
    assert falkor.query("agents/runs") == "RETURN 'common runs' AS x"
    assert neo4j.query("agents/runs") == "RETURN 'neo4j runs' AS x"
    with pytest.raises(QueryMissing, match="notes"):
        falkor.query("notes")


def test_cypher_missing_required_query_is_named(tmp_path: Path) -> None:
    _write(tmp_path / "common" / "present.cypher", "RETURN 1 AS x")
    _write(tmp_path / "falkordb" / "falkor_only.cypher", "RETURN 1 AS x")

    with pytest.raises(QueryMissing, match=r"neo4j Cypher for: absent, falkor_only$"):
        CypherLibrary("neo4j", ["present", "falkor_only", "absent"], root=tmp_path)


@pytest.mark.parametrize("dialect", ["falkordb", "neo4j"])
def test_real_dialects_load_every_required_query(dialect: Any) -> None:
    library = CypherLibrary(dialect, REQUIRED_QUERIES)

    for name in REQUIRED_QUERIES:
        text = library.query(name)
        assert text.strip(), name
        assert not text.lstrip().startswith("//"), name
    assert len(library.statements("schema")) > 1


async def test_episode_hashes_by_dedup_key(store: Any, scope: Scope) -> None:
    stored = new_episode("hash me", key="k-1")
    await store.add_episodes(scope, new_id("job"), [stored], T0)
    other_space = Scope(tenant=scope.tenant, space=f"{scope.space}-other")

    assert await store.episode_hashes(scope, [stored.dedup_key, "key:absent"]) == {
        stored.dedup_key: stored.content_hash
    }
    assert await store.episode_hashes(other_space, [stored.dedup_key]) == {}


async def test_run_locked_never_lets_two_writers_into_one_chain(store: Any, scope: Scope) -> None:
    # One store, separate tasks: on Neo4j separate transactions wait on the
    # lock node; on FalkorDB separate holders wait on the lease.
    inside: set[str] = set()
    seen_together: list[set[str]] = []

    def writer(name: str, chains: list[tuple[str, str]]) -> Any:
        async def work() -> str:
            inside.add(name)
            seen_together.append(set(inside))
            try:
                await asyncio.sleep(0.2)
                await store.read_chains(scope, chains)  # a query inside the lock
            finally:
                inside.discard(name)
            return name

        return store.run_locked(scope, chains, work)

    shared = ("ada", "lives_in")
    done = await asyncio.gather(
        writer("a", [shared, ("ada", "works_at")]),
        writer("b", [("byron", "lives_in"), shared]),
        writer("c", [shared]),
    )

    assert done == ["a", "b", "c"]
    assert all(len(names) == 1 for names in seen_together), seen_together


async def test_run_locked_releases_the_chain_when_the_work_fails(store: Any, scope: Scope) -> None:
    async def failing() -> None:
        raise ValueError("boom")

    async def fine() -> str:
        return "ok"

    with pytest.raises(ValueError, match="boom"):
        await store.run_locked(scope, [("ada", "lives_in")], failing)
    assert await asyncio.wait_for(store.run_locked(scope, [("ada", "lives_in")], fine), 30) == "ok"


async def test_run_locked_queries_pass_the_observer(store: Any, scope: Scope) -> None:
    seen: list[tuple[str, int | None]] = []
    store.set_observer(lambda name, _s, rows, _e: seen.append((name, rows)))
    try:
        chains = [("ada", "lives_in")]
        await store.run_locked(scope, chains, lambda: store.read_chains(scope, chains))
    finally:
        store.set_observer(None)

    names = [name for name, _ in seen]
    lock = "lock_chains" if store.dialect == "neo4j" else "lease_chains"
    assert names[0] == lock
    assert ("read_chains", 0) in seen


#: A dated history stated twice, by sources three weeks apart (the stated start
#: of a fact is the earliest one): (subject, object, since).
_MOVES = [
    (who, city, f"{2000 + i}-0{1 + i % 9}-{day}")
    for who in ("Ada", "Byron", "Clara")
    for i, city in enumerate(["Boston", "Denver", "Austin", "Seattle", "Miami", "Reno"])
    for day in ("01", "22")
]


def _move_write(who: str, city: str, since: str) -> GraphWrite:
    builder = GraphWriteBuilder()
    start = datetime.fromisoformat(since).replace(tzinfo=UTC)
    item = FactCreate(subject=who, predicate="lives_in", object=city, valid_from=start)
    builder.fact(item, [], item)
    return builder.build()


async def test_two_supersessions_on_one_store_give_the_intervals_of_one(
    store: Any, scope: Scope
) -> None:
    # Two Supersession objects stand for two Kenning processes: each has its
    # own asyncio lock, so only the store's chain locks order them.
    reference = Scope(tenant=scope.tenant, space="reference")
    alone = Supersession(store)
    for move in _MOVES:
        await alone.write(reference, _move_write(*move), [], datetime.now(UTC))
    processes = [Supersession(store), Supersession(store)]
    # The two statements of a move go to the two processes at once, the later
    # start first; the moves come in shuffled order.
    pairs = [(_MOVES[i + 1], _MOVES[i]) for i in range(0, len(_MOVES), 2)]
    random.Random(7).shuffle(pairs)
    ordered = [move for pair in pairs for move in pair]

    await asyncio.gather(
        *(
            processes[i % 2].write(scope, _move_write(*move), [], datetime.now(UTC))
            for i, move in enumerate(ordered)
        )
    )

    chains = [(entity_key(who), "lives_in") for who in ("Ada", "Byron", "Clara")]

    async def intervals(where: Scope) -> set[tuple[Any, ...]]:
        facts = await store.read_chains(where, chains)
        return {(f.subject_key, f.object_key, f.valid_from, f.valid_to) for f in facts}

    expected = await intervals(reference)
    assert len(expected) == len(_MOVES) // 2
    assert await intervals(scope) == expected

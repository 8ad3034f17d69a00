"""The connector agent on a planted space, through the real store on both
engines: each kind finds what was planted and not its look-alikes
(precision and recall per kind >= 0.9), and both engines give the same
insights for the same graph (ids aside).

The space: Maya (the speaker, a hub with facts to ~60 entities) has two
friend groups of six (each a clique missing one pair) joined by Nora, who
knows two in each; Omar and Pia share a gym, a band and a city but no fact;
Quinn and Rosa are mentioned together in three episodes; Maya goes to a
support group monthly and Eli swims weekly. Look-alikes: pairs sharing only
the hub or one neighbour, pairs that already have a fact (co-mentioned
too), a weekly habit mentioned only twice, an irregular habit, a state
restated with one start date, a fact said three times on one day, a lone
pair of entities, and the hub itself (no bridge, no middle).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kenning.agents.connector import run_connector
from kenning.agents.models import AgentContext, AgentOutcome, InsightDraft
from kenning.domain.ids import content_hash, dedup_key, new_id
from kenning.domain.models import Scope
from kenning.errors import InputError
from kenning.store.base import CypherStore
from kenning.store.falkordb.store import FalkorStore
from kenning.store.limits import StoreLimits
from kenning.store.neo4j.store import Neo4jStore
from kenning.store.port import EntityRow, FactRow, GraphWrite, MentionRow, NewEpisode
from tests.conftest import Neo4jServer

NOW = datetime(2024, 7, 1, tzinfo=UTC)
T0 = datetime(2024, 1, 1, 9, tzinfo=UTC)
GROUP_A = ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay"]
GROUP_B = ["Gus", "Hana", "Ivo", "Jade", "Kai", "Lea"]
THINGS = [f"{w} {n}" for w in ("film", "dish", "song", "place") for n in range(10)]


# -- engines -----------------------------------------------------------------


@pytest.fixture(scope="module")
async def falkordb_store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CypherStore]:
    store = FalkorStore("embedded", graph="connector", data_dir=tmp_path_factory.mktemp("fdb"))
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(scope="module")
def tenant_prefix() -> str:
    return f"connector-{uuid.uuid4().hex[:8]}-"


@pytest.fixture(scope="module")
async def neo4j_store(neo4j_server: Neo4jServer, tenant_prefix: str) -> AsyncIterator[CypherStore]:
    store: Any = Neo4jStore(
        neo4j_server.url,
        neo4j_server.user,
        neo4j_server.password,
        limits=StoreLimits(read_timeout_s=30),
    )
    await store.open()
    try:
        yield store
    finally:
        await store._run(
            "MATCH (n) WHERE n.tenant STARTS WITH $prefix DETACH DELETE n",
            {"prefix": tenant_prefix},
            write=True,
        )
        await store.close()


ENGINES = ["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)]


# -- the planted space -------------------------------------------------------


@dataclass
class Planted:
    """What was planted (by entity name), and the run's insights."""

    links: set[frozenset[str]] = field(default_factory=set)
    clusters: list[set[str]] = field(default_factory=list)
    bridges: set[str] = field(default_factory=set)
    patterns: dict[tuple[str, str, str], str] = field(default_factory=dict)  # -> period
    names: dict[str, str] = field(default_factory=dict)  # entity id -> name
    outcome: AgentOutcome = field(default_factory=AgentOutcome)
    #: Node and relationship counts of the space were the same after the run.
    unchanged: bool = False
    #: A second run proposed the same insights.
    repeats: bool = False


class Writer:
    """Writes the scenario through the store port, like ingestion would."""

    def __init__(self, store: CypherStore, scope: Scope) -> None:
        self.store, self.scope = store, scope
        self.ids: dict[str, str] = {}

    async def entities(self, names: list[str]) -> None:
        rows = [EntityRow(new_id("en"), n.casefold(), n, "Thing") for n in names]
        self.ids.update({r.name: r.id for r in rows})
        await self.store.write_graph(self.scope, GraphWrite(entities=rows), [], T0)

    async def say(
        self,
        at: datetime,
        text: str,
        facts: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
        mentions: list[str] = (),  # type: ignore[assignment]
        valid_from: datetime | None = None,
    ) -> None:
        digest = content_hash("user", "Maya", text + at.isoformat())
        episode = NewEpisode(
            new_id("ep"), dedup_key(None, digest, at), "user", "Maya", text, digest, at
        )
        [ref] = await self.store.add_episodes(self.scope, new_id("job"), [episode], at)
        rows = [
            FactRow(
                new_id("fa"),
                s.casefold(),
                p,
                o.casefold(),
                f"{s} {p} {o}",
                0.8,
                valid_from,
                None,
                [ref.id],
                observed_at=at,
            )
            for s, p, o in facts
        ]
        named = {"Maya", *mentions, *(x for s, _, o in facts for x in (s, o))}
        write = GraphWrite(facts=rows, mentions=[MentionRow(ref.id, n.casefold()) for n in named])
        await self.store.write_graph(self.scope, write, [ref.id], at)


async def plant(store: CypherStore, scope: Scope) -> Planted:
    """Write the scenario into ``scope`` and run the connector on it."""
    w = Writer(store, scope)
    people = [*GROUP_A, *GROUP_B, "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tia"]
    places = ["Boulder Barn", "The Foxes", "Leeds", "Initech", "Globex", "Uma", "Rex"]
    habits = ["support group", "Lido", "tennis", "grandma", "Austin", "jazz"]
    await w.entities(["Maya", *people, *places, *habits, *THINGS])
    day = T0
    for person in people:  # the hub knows everyone and likes forty things
        await w.say(day, f"I know {person}.", [("Maya", "knows", person)])
    await w.say(day, "Things I like.", [("Maya", "likes", t) for t in THINGS])
    for group, missing in ((GROUP_A, ("Ana", "Fay")), (GROUP_B, ("Gus", "Lea"))):
        pairs = [p for p in itertools.combinations(group, 2) if p != missing]
        await w.say(day, "Friends.", [(a, "friend_of", b) for a, b in pairs])
    await w.say(
        day, "Nora's friends.", [("Nora", "friend_of", x) for x in ("Ben", "Cleo", "Hana", "Ivo")]
    )
    for who, work in (("Omar", "Initech"), ("Pia", "Globex")):  # a fact a turn
        for p, o in (
            ("climbs_at", "Boulder Barn"),
            ("plays_in", "The Foxes"),
            ("lives_in", "Leeds"),
            ("works_at", work),
        ):
            await w.say(day, f"{who} {p} {o}.", [(who, p, o)])
    await w.say(day, "Uma's dog.", [("Uma", "owns", "Rex")])
    for n in range(3):  # co-mentioned, no fact; Ana and Ben too, but they have one
        await w.say(
            day + timedelta(days=n), f"Quinn and Rosa, part {n}.", mentions=["Quinn", "Rosa"]
        )
        await w.say(day + timedelta(days=n), f"Ana and Ben, part {n}.", mentions=["Ana", "Ben"])
    await w.say(day, "Sam and Tia once.", mentions=["Sam", "Tia"])
    await habits_said(w)
    before = await store.scope_counts(scope)
    outcome = await run_connector(AgentContext(store, scope, "run-test", NOW))
    unchanged = await store.scope_counts(scope) == before
    again = await run_connector(AgentContext(store, scope, "run-test-2", NOW))
    repeats = again.insights == outcome.insights
    return Planted(
        links={
            frozenset(p)
            for p in (("Ana", "Fay"), ("Gus", "Lea"), ("Omar", "Pia"), ("Quinn", "Rosa"))
        },
        clusters=[
            {*GROUP_A, "tennis", "grandma", "Austin", "Lido", "jazz"},
            set(GROUP_B),
            {"Omar", "Pia", "Boulder Barn", "The Foxes", "Leeds", "Initech", "Globex"},
        ],
        bridges={"Nora"},
        patterns={
            ("Maya", "attends", "support group"): "monthly",
            ("Eli", "swims_at", "Lido"): "weekly",
        },
        names={i: n for n, i in w.ids.items()},
        outcome=outcome,
        unchanged=unchanged,
        repeats=repeats,
    )


async def habits_said(w: Writer) -> None:
    """Two rhythms and four look-alikes, each statement in its own episode."""
    monthly = [
        datetime(2024, m, d, 19, tzinfo=UTC)
        for m, d in ((1, 10), (2, 9), (3, 11), (4, 10), (5, 12))
    ]
    for at in monthly:
        await w.say(at, "Support group tonight.", [("Maya", "attends", "support group")])
    for at in (datetime(2024, 3, d, 7, tzinfo=UTC) for d in (4, 11, 18, 25)):
        await w.say(at, "Eli swam again.", [("Eli", "swims_at", "Lido")])
    for at in (datetime(2024, 3, d, 18, tzinfo=UTC) for d in (5, 12)):  # weekly, said twice
        await w.say(at, "Ben played tennis.", [("Ben", "plays", "tennis")])
    for m, d in ((1, 1), (1, 3), (3, 15), (3, 17)):  # irregular
        await w.say(
            datetime(2024, m, d, tzinfo=UTC), "Cleo saw grandma.", [("Cleo", "visits", "grandma")]
        )
    since = datetime(2019, 6, 1, tzinfo=UTC)
    for m in (2, 3, 4, 5):  # a state restated with one start date
        await w.say(
            datetime(2024, m, 2, tzinfo=UTC),
            "Dev lives in Austin.",
            [("Dev", "lives_in", "Austin")],
            valid_from=since,
        )
    for h in (9, 12, 15):  # three times on one day
        await w.say(
            datetime(2024, 4, 20, h, tzinfo=UTC),
            f"Fay likes jazz ({h}).",
            [("Fay", "likes", "jazz")],
        )


# -- measuring ---------------------------------------------------------------


def of_kind(planted: Planted, kind: str) -> list[InsightDraft]:
    return [d for d in planted.outcome.insights if d.kind == kind]


def precision_recall(found: int, correct: int, expected: int) -> tuple[float, float]:
    return (correct / found if found else 1.0), (correct / expected if expected else 1.0)


def report(kind: str, precision: float, recall: float) -> None:
    print(f"connector {kind}: precision {precision:.2f} recall {recall:.2f}")
    assert precision >= 0.9, (kind, precision)
    assert recall >= 0.9, (kind, recall)


@pytest.fixture(scope="module", params=ENGINES)
def engine_store(request: pytest.FixtureRequest) -> CypherStore:
    """The open store of the engine under test (only that engine starts)."""
    store: CypherStore = request.getfixturevalue(f"{request.param}_store")
    return store


@pytest.fixture(scope="module")
async def planted(engine_store: CypherStore, tenant_prefix: str) -> Planted:
    """The scenario written once per engine, and the connector's run on it."""
    scope = Scope(tenant=f"{tenant_prefix}{uuid.uuid4().hex[:8]}", space="maya")
    return await plant(engine_store, scope)


async def test_suggested_links_are_the_planted_pairs(planted: Planted) -> None:
    drafts = of_kind(planted, "suggested_link")
    pairs = [frozenset(planted.names[i] for i in d.data["pair"]) for d in drafts]
    correct = sum(1 for p in pairs if p in planted.links)
    report("suggested_link", *precision_recall(len(pairs), correct, len(planted.links)))
    omar_pia = next(d for d, p in zip(drafts, pairs, strict=True) if p == {"Omar", "Pia"})
    shared = {planted.names[i] for i in omar_pia.entity_ids[2:]}
    assert shared == {"Boulder Barn", "The Foxes", "Leeds"}  # the evidence
    quinn_rosa = next(d for d, p in zip(drafts, pairs, strict=True) if p == {"Quinn", "Rosa"})
    assert len(quinn_rosa.episode_ids) == 3
    assert quinn_rosa.data["co_mentions"] == 3


async def test_clusters_are_the_planted_groups(planted: Planted) -> None:
    drafts = of_kind(planted, "cluster")
    found = [{planted.names[i] for i in d.entity_ids} for d in drafts]

    def matches(a: set[str], b: set[str]) -> bool:  # Nora may join either group
        return len(a & b) / len(a | b) >= 0.8

    correct = sum(1 for f in found if any(matches(f, c) for c in planted.clusters))
    recalled = sum(1 for c in planted.clusters if any(matches(f, c) for f in found))
    precision = correct / len(found) if found else 1.0
    report("cluster", precision, recalled / len(planted.clusters))
    assert all("Maya" not in f for f in found)  # the hub is in no cluster


async def test_the_bridge_is_the_person_between_the_groups(planted: Planted) -> None:
    drafts = of_kind(planted, "bridge")
    found = {planted.names[d.entity_ids[0]] for d in drafts}
    report(
        "bridge", *precision_recall(len(found), len(found & planted.bridges), len(planted.bridges))
    )
    [nora] = drafts
    assert len(nora.data["clusters"]) == 2
    assert {planted.names[i] for i in nora.entity_ids[1:]} & {"Hana", "Ivo", "Ben", "Cleo"}


async def test_recurring_patterns_are_the_planted_habits(planted: Planted) -> None:
    drafts = of_kind(planted, "recurring_pattern")
    found = {}
    for d in drafts:
        subject, obj = (planted.names[i] for i in d.entity_ids)
        found[(subject, d.data["predicate"], obj)] = d.data["period"]
    correct = sum(1 for k, period in found.items() if planted.patterns.get(k) == period)
    report("recurring_pattern", *precision_recall(len(found), correct, len(planted.patterns)))
    monthly = next(d for d in drafts if d.data["period"] == "monthly")
    assert len(monthly.episode_ids) == 5
    assert len(monthly.data["occurrences"]) == 5


async def test_a_run_changes_nothing_and_repeats_itself(planted: Planted) -> None:
    assert planted.unchanged
    assert planted.repeats
    stats = planted.outcome.stats
    assert stats["hubs"] == ["Maya"]
    assert set(stats["insights"]) == {"suggested_link", "cluster", "bridge", "recurring_pattern"}
    fingerprints = [d.fingerprint for d in planted.outcome.insights]
    assert len(fingerprints) == len(set(fingerprints))


async def test_a_bad_option_names_its_field(falkordb_store: CypherStore) -> None:
    ctx = AgentContext(
        falkordb_store, Scope(tenant="t", space="s"), "r", NOW, options={"max_degree": "x"}
    )
    with pytest.raises(InputError) as err:
        await run_connector(ctx)
    assert err.value.field == "options.max_degree"


def canonical(planted: Planted) -> list[tuple[Any, ...]]:
    """The insights with ids replaced by names, in a stable order."""
    return sorted(
        (
            d.kind,
            d.title,
            d.body,
            d.score,
            tuple(planted.names[i] for i in d.entity_ids),
            len(d.episode_ids),
            len(d.fact_ids),
        )
        for d in planted.outcome.insights
    )


@pytest.mark.neo4j
async def test_both_engines_give_the_same_insights(
    falkordb_store: CypherStore, neo4j_store: CypherStore, tenant_prefix: str
) -> None:
    results = []
    for store in (falkordb_store, neo4j_store):
        scope = Scope(tenant=f"{tenant_prefix}{uuid.uuid4().hex[:8]}", space="maya")
        results.append(canonical(await plant(store, scope)))
    assert results[0] == results[1]
    assert len(results[0]) >= 9

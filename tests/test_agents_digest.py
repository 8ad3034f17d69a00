"""The digest agent on a planted space, on each engine through the real store.

The space has two weeks of episodes (extractions written by hand, then the
real graph write and supersession), a supersession, a user's invalidation, a
fact a source says is over, a restatement and activity before and after the
period and in another space that must not count. Every section of the
digest is compared with what was planted; the two engines must give the same
digest, ids aside.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kenning.agents.digest import DigestBody, run_digest
from kenning.agents.digest.render import render_markdown
from kenning.agents.models import AgentContext, fingerprint
from kenning.domain.ids import content_hash, dedup_key, new_id
from kenning.domain.models import ExtractedEntity, Extraction, Scope, Triple
from kenning.errors import InputError
from kenning.ingest.graph_write import from_extractions
from kenning.store.base import CypherStore
from kenning.store.falkordb.store import FalkorStore
from kenning.store.limits import StoreLimits
from kenning.store.neo4j.store import Neo4jStore
from kenning.store.port import NewEpisode
from kenning.temporal.service import TemporalService
from kenning.temporal.supersession import Supersession
from tests.conftest import Neo4jServer

PERIOD_END = datetime(2024, 3, 15, tzinfo=UTC)
OPTIONS = {"period_end": PERIOD_END, "period_days": 7}


def at(day: int) -> datetime:
    return datetime(2024, 3, day, 10, tzinfo=UTC)


def t(s: str, p: str, o: str, **kw: Any) -> Triple:
    return Triple(subject=s, predicate=p, object=o, **kw)


#: (day, speaker, content, triples, other entities named): March 2024.
TURNS: list[tuple[int, str, str, list[Triple], list[str]]] = [
    # the previous period, 1-7 March
    (2, "Alice", "I live in Boston.", [t("Alice", "lives_in", "Boston")], []),
    (3, "Bob", "I work at Initech.", [t("Bob", "works_at", "Initech")], []),
    (5, "Alice", "I like jazz.", [t("Alice", "likes", "Jazz")], []),
    (6, "Bob", "I like chess.", [t("Bob", "likes", "Chess")], []),
    # the period, 8-14 March
    (
        9,
        "Alice",
        "We moved to Austin today.",
        [t("Alice", "lives_in", "Austin", valid_from=at(9))],
        [],
    ),
    (10, "Alice", "I adopted a dog, Pixel.", [t("Alice", "adopted", "Pixel")], []),
    (
        11,
        "Carol",
        "I play the violin, I know Alice, and I used to live in Denver.",
        [
            t("Carol", "plays", "Violin"),
            t("Carol", "knows", "Alice"),
            t("Carol", "lived_in", "Denver"),
        ],
        [],
    ),
    (12, "Alice", "I work at Globex now.", [t("Alice", "works_at", "Globex")], []),
    # a restatement: not a new fact of this period
    (13, "Alice", "Dana and I still like jazz.", [t("Alice", "likes", "Jazz")], ["Dana"]),
    # after the period
    (16, "Alice", "I like tennis.", [t("Alice", "likes", "Tennis")], []),
]


class NoEmbedder:
    """Invalidation never embeds; anything else calling it is a test bug."""

    def embed(self, texts: list[str]) -> Any:
        raise AssertionError("the digest test does not embed")


async def plant(store: CypherStore, scope: Scope, turns: list[Any]) -> None:
    """Store the turns as episodes and write their hand-made extractions
    through the real graph write and supersession (episodes end up done)."""
    rows = [
        NewEpisode(
            id=new_id("ep"),
            dedup_key=dedup_key(None, content_hash("user", speaker, text), at(day)),
            role="user",
            speaker=speaker,
            content=text,
            content_hash=content_hash("user", speaker, text),
            occurred_at=at(day),
        )
        for day, speaker, text, _, _ in turns
    ]
    await store.add_episodes(scope, new_id("job"), rows, at(1))
    episodes = {e.id: e for e in await store.get_episodes(scope, [r.id for r in rows])}
    supersession = Supersession(store)
    for row, (_, _, _, triples, named) in zip(rows, turns, strict=True):
        extraction = Extraction(
            episode_id=row.id, triples=triples, entities=[ExtractedEntity(name=n) for n in named]
        )
        write = from_extractions([episodes[row.id]], [extraction])
        await supersession.write(scope, write, [row.id], row.occurred_at)


async def invalidate(store: CypherStore, scope: Scope, predicate: str, obj: str) -> None:
    """Bob left Initech on 12 March: a user's invalidation with a reason."""
    facts = (await store.list_facts(scope, "", 100, as_of=at(4))).items
    [fact] = [f for f in facts if f.predicate == predicate and f.object == obj]
    service = TemporalService(store, Supersession(store), NoEmbedder())  # type: ignore[arg-type]
    await service.invalidate(scope, fact.id, valid_to=at(12), reason="left Initech")


async def planted(store: CypherStore) -> Scope:
    """A fresh planted space (and a busy neighbour space); returns its scope."""
    tenant = f"digest-{uuid.uuid4().hex[:8]}"
    scope = Scope(tenant=tenant, space="planted")
    await plant(store, scope, TURNS)
    await invalidate(store, scope, "works_at", "Initech")
    # Another space of the tenant, busy in the same period: none of it counts.
    await plant(store, Scope(tenant=tenant, space="other"), TURNS[4:8])
    return scope


# -- engines ---------------------------------------------------------------------


@pytest.fixture(scope="module")
async def falkordb_store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CypherStore]:
    store = FalkorStore("embedded", graph="digest", data_dir=tmp_path_factory.mktemp("digest"))
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(scope="module")
async def neo4j_store(neo4j_server: Neo4jServer) -> AsyncIterator[CypherStore]:
    store = Neo4jStore(
        neo4j_server.url,
        neo4j_server.user,
        neo4j_server.password,
        # A cold JVM plans each query on its first run; on two busy cores a
        # first write took longer than the 30 s default.
        limits=StoreLimits(read_timeout_s=120, write_timeout_s=120),
    )
    await store.open()
    try:
        yield store
    finally:
        await store._run(
            "MATCH (n) WHERE n.tenant STARTS WITH 'digest-' DETACH DELETE n", {}, write=True
        )
        await store.close()


@pytest.fixture(params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> CypherStore:
    value: CypherStore = request.getfixturevalue(f"{request.param}_store")
    return value


async def digest(
    store: CypherStore, scope: Scope, options: dict[str, Any] | None = None
) -> tuple[Any, dict[str, Any]]:
    ctx = AgentContext(
        store=store,
        scope=scope,
        run_id="run_test",
        now=datetime(2026, 1, 1, tzinfo=UTC),
        options=OPTIONS if options is None else options,
    )
    outcome = await run_digest(ctx)
    [draft] = outcome.insights
    return draft, draft.data


def names(items: list[dict[str, Any]]) -> list[str]:
    return [i["entity"]["name"] for i in items]


def triple(fact: dict[str, Any] | None) -> tuple[str, str, str] | None:
    if fact is None:
        return None
    return (fact["subject"]["name"], fact["predicate"], fact["object"]["name"])


# -- the planted digest ----------------------------------------------------------


async def test_highlights_are_the_new_facts_of_the_period_by_subject(store: CypherStore) -> None:
    scope = await planted(store)
    draft, data = await digest(store, scope)

    assert data["period"] == {"start": "2024-03-08T00:00:00Z", "end": "2024-03-15T00:00:00Z"}
    assert data["period_rule"] == "given"
    highlights = {h["entity"]["name"]: h for h in data["highlights"]}
    assert names(data["highlights"]) == ["Alice", "Carol"]  # 3 each, ties by name
    assert [triple(f) for f in highlights["Alice"]["facts"]] == [
        ("Alice", "lives_in", "Austin"),
        ("Alice", "adopted", "Pixel"),
        ("Alice", "works_at", "Globex"),
    ]
    assert [triple(f) for f in highlights["Carol"]["facts"]] == [
        ("Carol", "knows", "Alice"),
        ("Carol", "lives_in", "Denver"),
        ("Carol", "plays", "Violin"),
    ]
    assert [h["new_facts"] for h in data["highlights"]] == [3, 3]
    # The jazz restated on 13 March was first said on 5 March; tennis is later.
    listed = {triple(f) for h in data["highlights"] for f in h["facts"]}
    assert ("Alice", "likes", "Jazz") not in listed
    assert ("Alice", "likes", "Tennis") not in listed
    assert draft.agent == "digest"
    assert draft.kind == "digest"
    assert set(draft.fact_ids) >= {f["id"] for h in data["highlights"] for f in h["facts"]}


async def test_changes_are_old_to_new_in_order(store: CypherStore) -> None:
    scope = await planted(store)
    _, data = await digest(store, scope)

    changes = [
        (c["kind"], c["at"][:10], triple(c["old"]), triple(c["new"])) for c in data["changes"]
    ]
    assert changes == [
        (
            "superseded",
            "2024-03-09",
            ("Alice", "lives_in", "Boston"),
            ("Alice", "lives_in", "Austin"),
        ),
        ("ended", "2024-03-11", ("Carol", "lives_in", "Denver"), None),
        ("invalidated", "2024-03-12", ("Bob", "works_at", "Initech"), None),
    ]
    assert data["changes"][2]["reason"] == "left Initech"
    assert data["changes_total"] == 3


async def test_trends_compare_with_the_previous_period(store: CypherStore) -> None:
    scope = await planted(store)
    _, data = await digest(store, scope)

    # Period: 5 episodes (9-13 March), 6 new facts, 9 active entities (Alice,
    # Austin, Pixel, Carol, Violin, Denver, Globex, Jazz, Dana), 3 changes.
    assert data["activity"] == {"episodes": 5, "facts": 6, "entities": 9, "changes": 3}
    trends = data["trends"]
    assert trends["previous"] == {"start": "2024-03-01T00:00:00Z", "end": "2024-03-08T00:00:00Z"}
    assert trends["before"] == {"episodes": 4, "facts": 4, "entities": 6, "changes": 0}
    assert trends["delta"] == {"episodes": 1, "facts": 2, "entities": 3, "changes": 3}
    rising = [(p["predicate"], p["previous"], p["current"]) for p in trends["rising"]]
    assert rising == [("adopted", 0, 1), ("knows", 0, 1), ("lives_in", 1, 2), ("plays", 0, 1)]
    falling = [(p["predicate"], p["previous"], p["current"]) for p in trends["falling"]]
    assert falling == [("likes", 2, 0)]


async def test_focus_areas_are_the_most_active_entities(store: CypherStore) -> None:
    scope = await planted(store)
    draft, data = await digest(store, scope)

    # Alice: 4 new facts (3 as subject, Carol knows her) and 5 episodes
    # naming her; Carol 3 + 1; then 1 + 1 each, ties by name.
    focus = [(f["entity"]["name"], f["facts"], f["mentions"]) for f in data["focus"]]
    assert focus == [
        ("Alice", 4, 5),
        ("Carol", 3, 1),
        ("Austin", 1, 1),
        ("Denver", 1, 1),
        ("Globex", 1, 1),
    ]
    assert draft.entity_ids[:5] == [f["entity"]["id"] for f in data["focus"]]


async def test_the_markdown_and_headline_say_the_same(store: CypherStore) -> None:
    scope = await planted(store)
    draft, data = await digest(store, scope)

    assert draft.title == data["headline"]
    assert data["headline"] == (
        "planted, 8 Mar 2024 – 14 Mar 2024: 6 new facts and 3 changes from 5 episodes "
        "(previous period: 4 new facts, 4 episodes); most active: Alice, Carol, Austin."
    )
    body = draft.body
    assert body.startswith("# Digest of planted: 8 Mar 2024 – 14 Mar 2024\n")
    assert "superseded: Alice lives in Boston → Alice lives in Austin" in body
    assert "invalidated: Bob works at Initech → no longer holds (reason: left Initech)" in body
    assert "| new facts | 6 | 4 | +2 |" in body
    assert "Falling predicates: `likes` 2 → 0" in body
    assert draft.score == 1.0


async def test_facts_from_one_sentence_render_as_one_line(store: CypherStore) -> None:
    scope = await planted(store)
    _, data = await digest(store, scope)
    sentence = "I play the violin, I know Alice, and I used to live in Denver."
    for fact in data["highlights"][1]["facts"]:  # Carol's three, all from that turn
        fact["text"] = sentence

    body = render_markdown(DigestBody.model_validate(data))

    assert body.count(sentence) == 1
    triples = "[`knows` Alice, `lives_in` Denver, `plays` Violin]"
    assert f"- {sentence} {triples} (said 11 Mar 2024)" in body


async def test_a_rerun_of_the_period_has_the_same_fingerprint(store: CypherStore) -> None:
    scope = await planted(store)
    first, _ = await digest(store, scope)
    again, _ = await digest(store, scope)
    later, _ = await digest(store, scope, {"period_end": PERIOD_END + timedelta(days=7)})

    assert first == again
    assert first.fingerprint == fingerprint(
        "digest",
        "space=planted",
        "start=2024-03-08T00:00:00+00:00",
        "end=2024-03-15T00:00:00+00:00",
    )
    assert later.fingerprint != first.fingerprint


async def test_latest_ends_the_period_on_the_day_of_the_last_episode(store: CypherStore) -> None:
    scope = await planted(store)
    _, data = await digest(store, scope, {"period_end": "latest"})

    # The last episode is on 16 March: the period is 10-16 March.
    assert data["period"] == {"start": "2024-03-10T00:00:00Z", "end": "2024-03-17T00:00:00Z"}
    assert data["period_rule"] == "latest"
    assert data["activity"]["episodes"] == 5  # 10, 11, 12, 13 and 16 March


async def test_a_period_with_nothing_is_a_no_activity_digest(store: CypherStore) -> None:
    scope = await planted(store)
    options = {"period_end": datetime(2020, 1, 8, tzinfo=UTC), "period_days": 7}
    draft, data = await digest(store, scope, options)

    assert data["activity"] == {"episodes": 0, "facts": 0, "entities": 0, "changes": 0}
    assert data["highlights"] == data["changes"] == data["focus"] == []
    assert data["trends"]["rising"] == data["trends"]["falling"] == []
    assert data["headline"] == (
        "planted, 1 Jan 2020 – 7 Jan 2020: no activity (previous period: 0 new facts, 0 episodes)."
    )
    assert "Nothing was said and no fact changed in this period." in draft.body
    assert draft.score == 0.0
    assert draft.entity_ids == draft.fact_ids == draft.episode_ids == []


async def test_an_empty_space_and_latest_fall_back_to_now(store: CypherStore) -> None:
    scope = Scope(tenant=f"digest-{uuid.uuid4().hex[:8]}", space="empty")
    _, data = await digest(store, scope, {"period_end": "latest"})

    assert data["period_rule"] == "now"
    assert data["period"]["end"] == "2026-01-01T00:00:00Z"
    assert data["activity"]["episodes"] == 0


async def test_open_insights_of_the_curator_and_connector_are_listed(store: CypherStore) -> None:
    scope = await planted(store)
    _, before = await digest(store, scope)
    assert before["insights"] == []
    assert before["insights_open"] == 0

    # Written as the run service writes them (another part of issue 11).
    insights = [
        ("curator", "duplicate_entities", "Mel and Melanie", 0.9, "open"),
        ("connector", "suggested_link", "Alice and Dana", 0.6, "open"),
        ("curator", "orphan_entity", "Chess", 0.8, "dismissed"),
        ("digest", "digest", "an older digest", 0.5, "open"),
    ]
    for agent, kind, title, score, status in insights:
        await store._run(
            "CREATE (:Insight {id: $id, tenant: $tenant, space: $space, agent: $agent, "
            "kind: $kind, title: $title, score: $score, status: $status})",
            {
                "id": new_id("in"),
                "tenant": scope.tenant,
                "space": scope.space,
                "agent": agent,
                "kind": kind,
                "title": title,
                "score": score,
                "status": status,
            },
            write=True,
        )
    draft, data = await digest(store, scope)

    assert [(i["agent"], i["kind"], i["title"]) for i in data["insights"]] == [
        ("curator", "duplicate_entities", "Mel and Melanie"),
        ("connector", "suggested_link", "Alice and Dana"),
    ]
    assert data["insights_open"] == 2
    assert "- curator · duplicate_entities: Mel and Melanie (score 0.90)" in draft.body


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"period_days": 0}, "options.period_days"),
        ({"period_end": "yesterday"}, "options.period_end"),
        ({"period_end": "2024-03-15T00:00:00"}, "options.period_end"),  # no zone
        ({"focus_limit": -1}, "options.focus_limit"),
    ],
)
async def test_bad_options_name_the_option(
    falkordb_store: CypherStore, options: dict[str, Any], field: str
) -> None:
    scope = Scope(tenant="digest-options", space="s")
    with pytest.raises(InputError) as raised:
        await digest(falkordb_store, scope, options)
    assert raised.value.field == field


# -- both engines ----------------------------------------------------------------


def without_ids(value: Any) -> Any:
    """The digest with every id (entity, fact, episode) left out."""
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k not in ("id", "episode_ids")}
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    return value


@pytest.mark.neo4j
async def test_both_engines_give_the_same_digest(
    falkordb_store: CypherStore, neo4j_store: CypherStore
) -> None:
    bodies = []
    for store in (falkordb_store, neo4j_store):
        scope = await planted(store)
        draft, data = await digest(store, scope)
        bodies.append((without_ids(data), draft.body, draft.title, draft.score, draft.fingerprint))
    assert bodies[0] == bodies[1]
    assert bodies[0][0]["activity"]["facts"] == 6

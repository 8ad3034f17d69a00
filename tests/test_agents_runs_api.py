"""The memory agents' runs, insights, leases and schedule over real HTTP, on
each engine.

The analyses of the curator, connector and digest are built elsewhere; here
the app runs test-local analyses (passed to ``create_app``) that read the
space through the real store and propose one insight per entity, so every
stored insight went through the service and the store for real.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from kenning.agents.models import AgentContext, AgentOutcome, InsightDraft, fingerprint
from kenning.api.app import create_app
from kenning.api.runtime import Runtime
from kenning.cli import app as cli
from kenning.domain.models import Scope
from tests.conftest import serve, settings_on

T = TypeVar("T")
#: Seconds a run may take here (fake analyses do a few store reads).
RUN_WAIT_S = 120


@dataclass
class Fakes:
    """Test-local analyses: the curator proposes an orphan insight per entity
    (after waiting for ``gate``), the connector fails, the digest reports."""

    gate: threading.Event = field(default_factory=threading.Event)
    contexts: list[AgentContext] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.gate.set()

    async def curator(self, ctx: AgentContext) -> AgentOutcome:
        self.contexts.append(ctx)
        # Blocks in a thread, so the server's loop keeps answering meanwhile.
        assert await asyncio.to_thread(self.gate.wait, RUN_WAIT_S), "gate never opened"
        entities = (await ctx.store.list_entities(ctx.scope, "", 100)).items
        drafts = [
            InsightDraft(
                agent="curator",
                kind="orphan_entity",
                title=f"{e.name} looks orphaned",
                body=f"**{e.name}** has no mention.",
                score=0.5,
                fingerprint=fingerprint("orphan_entity", e.id),
                entity_ids=[e.id],
                data={"name": e.name},
            )
            for e in entities
        ]
        return AgentOutcome(insights=drafts, stats={"entities_checked": len(entities)})

    async def connector(self, ctx: AgentContext) -> AgentOutcome:
        self.contexts.append(ctx)
        raise RuntimeError("secret internal detail")

    async def digest(self, ctx: AgentContext) -> AgentOutcome:
        self.contexts.append(ctx)
        return AgentOutcome(stats={"period_days": ctx.options["period_days"]})

    def analyses(self) -> dict[str, Any]:
        return {"curator": self.curator, "connector": self.connector, "digest": self.digest}


@dataclass
class App:
    url: str
    app: FastAPI
    fakes: Fakes

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    def call(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run a coroutine on the server's event loop (the store is bound to it)."""
        loop = self.runtime._tasks[0].get_loop()
        return asyncio.run_coroutine_threadsafe(make(), loop).result(timeout=60)


def start_app(settings: Any) -> Iterator[App]:
    fakes = Fakes()
    app = create_app(settings, analyses=fakes.analyses())
    with serve(settings, app=app) as url:
        yield App(url, app, fakes)


@pytest.fixture(scope="module")
def agents_app(
    engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[App]:
    data_dir: Path = tmp_path_factory.mktemp("agents-api")
    settings = settings_on(engine, data_dir, request, agent_digest_period_days=3)
    yield from start_app(settings)


@pytest.fixture
def client(agents_app: App) -> Iterator[httpx.Client]:
    agents_app.fakes.gate.set()
    with httpx.Client(base_url=agents_app.url, timeout=60) as http:
        yield http


def new_space() -> str:
    return f"agents-{uuid.uuid4().hex[:10]}"


def add_facts(client: httpx.Client, space: str, *triples: tuple[str, str, str]) -> None:
    """POST triples; a 503 (a cold Neo4j planning its first write on a busy
    machine) is retried after its Retry-After, as the API asks clients to."""
    facts = [{"subject": s, "predicate": p, "object": o} for s, p, o in triples]
    for _ in range(3):
        answer = client.post("/v1/facts", json={"space": space, "facts": facts})
        if answer.status_code != 503:
            break
        time.sleep(float(answer.headers.get("Retry-After", "1")))
    answer.raise_for_status()


def start(client: httpx.Client, space: str, agent: str, **extra: Any) -> httpx.Response:
    return client.post("/v1/agents/run", json={"space": space, "agent": agent, **extra})


def wait_run(client: httpx.Client, space: str, run_id: str) -> dict[str, Any]:
    """Poll a run until it is no longer running; the last state."""
    deadline = time.monotonic() + RUN_WAIT_S
    while time.monotonic() < deadline:
        run: dict[str, Any] = (
            client.get(f"/v1/agents/runs/{run_id}", params={"space": space})
            .raise_for_status()
            .json()
        )
        if run["status"] != "running":
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} still running after {RUN_WAIT_S} s")


def insights(client: httpx.Client, space: str, **params: Any) -> dict[str, Any]:
    answer = client.get("/v1/insights", params={"space": space, **params})
    body: dict[str, Any] = answer.raise_for_status().json()
    return body


# -- runs ----------------------------------------------------------------------


def test_a_run_answers_202_then_succeeds_with_stats_and_insights(
    client: httpx.Client, agents_app: App
) -> None:
    space = new_space()
    add_facts(client, space, ("Ada", "knows", "Byron"), ("Ada", "lives_in", "London"))
    before = datetime.now(UTC)

    answer = start(client, space, "curator")

    assert answer.status_code == 202, answer.text
    (run_id,) = answer.json()["run_ids"]
    assert answer.json()["runs"][0]["status"] == "running"
    run = wait_run(client, space, run_id)
    assert run["status"] == "succeeded", run
    assert (run["agent"], run["trigger"], run["auto_fix"]) == ("curator", "manual", False)
    stats = run["stats"]
    assert stats["entities_checked"] == 3
    assert stats["insights"] == {"drafts": 3, "created": 3, "updated": 0, "skipped_dismissed": 0}
    assert stats["ms"] >= stats["analysis_ms"] >= 0
    assert datetime.fromisoformat(run["started_at"]) >= before - timedelta(seconds=1)
    ctx = next(c for c in agents_app.fakes.contexts if c.run_id == run_id)
    assert ctx.scope == Scope(tenant="default", space=space)
    assert ctx.now == datetime.fromisoformat(run["started_at"])  # now = the run's start
    assert "functional_predicates" in ctx.options

    page = insights(client, space)
    names = sorted(e["name"] for item in page["items"] for e in item["entities"])
    assert names == ["Ada", "Byron", "London"]
    item = page["items"][0]
    assert set(item) >= {"id", "space", "agent", "kind", "title", "body", "score", "status"}
    assert (item["run_id"], item["status"], item["space"]) == (run_id, "open", space)
    listed = client.get("/v1/agents/runs", params={"space": space}).raise_for_status().json()
    assert [r["id"] for r in listed["items"]] == [run_id]


def test_a_failed_analysis_fails_its_run_with_a_safe_error(client: httpx.Client) -> None:
    space = new_space()
    (run_id,) = start(client, space, "connector").json()["run_ids"]
    run = wait_run(client, space, run_id)
    assert run["status"] == "failed"
    assert "RuntimeError" in run["error"]
    assert "secret" not in run["error"]
    # Its lease was released: the next run starts.
    assert start(client, space, "connector").status_code == 202


def test_all_starts_every_agent_with_its_options(client: httpx.Client, agents_app: App) -> None:
    space = new_space()
    answer = start(client, space, "all", auto_fix=True)
    assert answer.status_code == 202
    runs = answer.json()["runs"]
    assert [r["agent"] for r in runs] == ["curator", "connector", "digest"]
    # auto_fix is the curator's alone.
    assert [r["auto_fix"] for r in runs] == [True, False, False]
    done = {r["agent"]: wait_run(client, space, r["id"]) for r in runs}
    assert done["digest"]["stats"]["period_days"] == 3  # KENNING_AGENT_DIGEST_PERIOD_DAYS
    assert done["connector"]["status"] == "failed"


def test_insights_page_filter_and_dismiss(client: httpx.Client) -> None:
    space = new_space()
    add_facts(client, space, ("Ada", "knows", "Byron"), ("Cleo", "knows", "Dan"))
    (first,) = start(client, space, "curator").json()["run_ids"]
    assert wait_run(client, space, first)["status"] == "succeeded"
    everything = insights(client, space)["items"]
    assert len(everything) == 4

    walked, after = [], ""
    while True:
        page = insights(client, space, limit=3, after=after)
        walked += page["items"]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert [i["id"] for i in walked] == [i["id"] for i in everything]
    assert len(insights(client, space, agent="curator", kind="orphan_entity")["items"]) == 4
    assert insights(client, space, agent="digest")["items"] == []
    assert insights(client, space, since="2999-01-01T00:00:00Z")["items"] == []
    ada = next(i for i in everything if i["entities"][0]["name"] == "Ada")
    about = insights(client, space, entity=ada["entities"][0]["id"])["items"]
    assert [i["id"] for i in about] == [ada["id"]]

    dismissed = client.post(f"/v1/insights/{ada['id']}/dismiss", json={"space": space})
    assert dismissed.status_code == 200
    assert dismissed.json()["status"] == "dismissed"
    assert len(insights(client, space, status="open")["items"]) == 3

    # A re-run updates the open insights and does not bring back the dismissed one.
    (second,) = start(client, space, "curator").json()["run_ids"]
    run = wait_run(client, space, second)
    assert run["stats"]["insights"] == {
        "drafts": 4,
        "created": 0,
        "updated": 3,
        "skipped_dismissed": 1,
    }
    open_now = insights(client, space, status="open")["items"]
    assert {i["run_id"] for i in open_now} == {second}
    assert len(insights(client, space)["items"]) == 4


def test_two_simultaneous_runs_of_one_agent_and_space_one_gets_409(
    client: httpx.Client, agents_app: App
) -> None:
    space, other = new_space(), new_space()
    agents_app.fakes.gate.clear()  # the curator's analysis waits until it is set
    try:
        first = start(client, space, "curator")
        assert first.status_code == 202
        second = start(client, space, "curator")
        assert second.status_code == 409, second.text
        assert second.json()["error"]["code"] == "conflict"
        # "all" includes the running curator: all or none, nothing starts.
        assert start(client, space, "all").status_code == 409
        # Other agents and other spaces are not held up.
        assert start(client, space, "digest").status_code == 202
        assert start(client, other, "curator").status_code == 202
    finally:
        agents_app.fakes.gate.set()
    assert wait_run(client, space, first.json()["run_ids"][0])["status"] == "succeeded"
    runs = client.get("/v1/agents/runs", params={"space": space, "agent": "curator"}).json()
    assert len(runs["items"]) == 1
    assert start(client, space, "curator").status_code == 202


def test_a_dead_runs_lease_expires_and_the_next_run_proceeds(
    client: httpx.Client, agents_app: App
) -> None:
    space = new_space()
    scope = Scope(tenant="default", space=space)
    store = agents_app.runtime.store
    taken_at = datetime.now(UTC)
    expires = taken_at + timedelta(seconds=3)
    # A run that took the lease and died: it never renews or releases it.
    assert agents_app.call(
        lambda: store.take_agent_lease(scope, "digest", "run_dead", taken_at, expires)
    )
    assert start(client, space, "digest").status_code == 409
    deadline = time.monotonic() + 60
    while (answer := start(client, space, "digest")).status_code == 409:
        assert time.monotonic() < deadline, "the dead run's lease never expired"
        time.sleep(0.2)
    assert answer.status_code == 202
    assert datetime.now(UTC) >= expires
    (run_id,) = answer.json()["run_ids"]
    assert wait_run(client, space, run_id)["status"] == "succeeded"


def test_undo_is_for_curator_runs_with_auto_fix(client: httpx.Client) -> None:
    space = new_space()
    (digest,) = start(client, space, "digest").json()["run_ids"]
    wait_run(client, space, digest)
    refused = client.post(f"/v1/agents/runs/{digest}/undo", json={"space": space})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "run_id"

    (curator,) = start(client, space, "curator", auto_fix=True).json()["run_ids"]
    wait_run(client, space, curator)
    undone = client.post(f"/v1/agents/runs/{curator}/undo", json={"space": space})
    assert undone.status_code == 200, undone.text
    assert undone.json()["run"]["status"] == "undone"
    again = client.post(f"/v1/agents/runs/{curator}/undo", json={"space": space})
    assert again.status_code == 409
    missing = client.post("/v1/agents/runs/run_missing/undo", json={"space": space})
    assert missing.status_code == 404


def test_a_run_cut_off_by_a_stop_is_recorded_failed_and_frees_its_lease(
    engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    settings = settings_on(engine, tmp_path_factory.mktemp("agents-stop"), request)
    space = new_space()
    first = start_app(settings)
    running = next(first)
    running.fakes.gate.clear()  # the curator's analysis blocks until the app stops
    try:
        with httpx.Client(base_url=running.url, timeout=60) as http:
            (run_id,) = start(http, space, "curator").json()["run_ids"]
        first.close()  # the lifespan stops the runtime: runs are cancelled
    finally:
        running.fakes.gate.set()
    for again in start_app(settings):
        with httpx.Client(base_url=again.url, timeout=60) as http:
            run = wait_run(http, space, run_id)
            assert run["status"] == "failed"
            assert run["error"] == "the service stopped during the run"
            assert start(http, space, "curator").status_code == 202


@pytest.mark.parametrize(
    ("method", "path", "payload", "field"),
    [
        ("post", "/v1/agents/run", {"space": "a b", "agent": "curator"}, "space"),
        ("post", "/v1/agents/run", {"space": "s", "agent": "janitor"}, "agent"),
        ("post", "/v1/agents/run", {"space": "s", "auto_fix": "perhaps"}, "auto_fix"),
        ("get", "/v1/agents/runs", {}, "space"),
        ("get", "/v1/agents/runs/bad id!", {"space": "s"}, "run_id"),
        ("get", "/v1/insights", {"space": "s", "kind": "gossip"}, "kind"),
        ("get", "/v1/insights", {"space": "s", "status": "closed"}, "status"),
        ("get", "/v1/insights", {"space": "s", "since": "yesterday"}, "since"),
        ("get", "/v1/insights", {"space": "s", "limit": 0}, "limit"),
        ("post", "/v1/insights/in_x/dismiss", {}, "space"),
    ],
)
def test_bad_input_answers_422_naming_the_field(
    client: httpx.Client, method: str, path: str, payload: dict[str, Any], field: str
) -> None:
    if method == "post":
        answer = client.post(path, json=payload)
    else:
        answer = client.get(path, params=payload)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field


def test_unknown_ids_answer_404(client: httpx.Client) -> None:
    space = new_space()
    assert client.get("/v1/agents/runs/run_x", params={"space": space}).status_code == 404
    gone = client.post("/v1/insights/in_x/dismiss", json={"space": space})
    assert gone.status_code == 404
    assert client.get("/v1/insights/in_x", params={"space": space}).status_code == 404


# -- the schedule ------------------------------------------------------------------


def test_the_scheduler_runs_an_agent_over_spaces_with_new_activity(
    engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    tenant = f"sched-{uuid.uuid4().hex[:8]}"
    settings = settings_on(
        engine,
        tmp_path_factory.mktemp("agents-schedule"),
        request,
        api_keys={"sched-key": tenant},
        worker_tenants=(tenant,),  # this app's schedule covers its own tenant only
        agent_digest_cron="*/1 * * * * *",  # every second (6 fields: seconds first)
    )
    for app in start_app(settings):
        headers = {"Authorization": "Bearer sched-key"}
        with httpx.Client(base_url=app.url, timeout=60, headers=headers) as client:
            schedule = client.get("/v1/agents/schedule").raise_for_status().json()["agents"]
            by_agent = {s["agent"]: s for s in schedule}
            assert by_agent["curator"] == {"agent": "curator", "cron": "", "next_run_at": None}
            assert by_agent["digest"]["cron"] == "*/1 * * * * *"
            assert by_agent["digest"]["next_run_at"] is not None

            space = new_space()
            add_facts(client, space, ("Ada", "knows", "Byron"))
            first = wait_scheduled(client, space, 1)
            assert first[0]["trigger"] == "schedule"
            assert first[0]["agent"] == "digest"
            # New activity: the next firing covers the space again.
            add_facts(client, space, ("Ada", "knows", "Cleo"))
            runs = wait_scheduled(client, space, 2)
            assert all(r["status"] == "succeeded" for r in runs)
            assert runs[0]["started_at"] > first[0]["started_at"]


def wait_scheduled(client: httpx.Client, space: str, count: int) -> list[dict[str, Any]]:
    """Poll until ``count`` finished scheduled runs exist in ``space``; them, newest first."""
    deadline = time.monotonic() + RUN_WAIT_S
    while time.monotonic() < deadline:
        items = client.get("/v1/agents/runs", params={"space": space}).json()["items"]
        done = [r for r in items if r["status"] != "running"]
        if len(done) >= count:
            return done
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} scheduled runs in {space} after {RUN_WAIT_S} s")


# -- GraphQL ---------------------------------------------------------------------


def graphql(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    answer = client.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = answer.raise_for_status().json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_graphql_runs_agents_lists_insights_and_dismisses(client: httpx.Client) -> None:
    space = new_space()
    add_facts(client, space, ("Ada", "knows", "Byron"))
    started = graphql(
        client,
        "mutation($s: String!) { runAgents(space: $s, agent: CURATOR) { id status agent } }",
        s=space,
    )["runAgents"]
    assert [(r["status"], r["agent"]) for r in started] == [("running", "curator")]
    assert wait_run(client, space, started[0]["id"])["status"] == "succeeded"

    runs = graphql(
        client,
        "query($s: String!) { agentRuns(space: $s) { nodes { id status stats } } }",
        s=space,
    )["agentRuns"]["nodes"]
    assert runs[0]["id"] == started[0]["id"]
    assert runs[0]["stats"]["insights"]["created"] == 2
    page = graphql(
        client,
        """query($s: String!) { insights(space: $s, kind: "orphan_entity", first: 1) {
             nodes { id kind status runId entities { id name } data } endCursor } }""",
        s=space,
    )["insights"]
    (first,) = page["nodes"]
    assert page["endCursor"] is not None
    rest = graphql(
        client,
        "query($s: String!, $a: String) { insights(space: $s, after: $a) { nodes { id } } }",
        s=space,
        a=page["endCursor"],
    )["insights"]["nodes"]
    assert len(rest) == 1
    assert rest[0]["id"] != first["id"]
    name = first["entities"][0]["name"]
    about = graphql(
        client,
        "query($s: String!, $n: String!) { entity(space: $s, name: $n) { insights { id } } }",
        s=space,
        n=name,
    )["entity"]["insights"]
    assert [i["id"] for i in about] == [first["id"]]

    dismissed = graphql(
        client,
        "mutation($s: String!, $i: ID!) { dismissInsight(space: $s, id: $i) { status } }",
        s=space,
        i=first["id"],
    )["dismissInsight"]
    assert dismissed["status"] == "dismissed"
    again = graphql(
        client,
        "query($s: String!, $n: String!) { entity(space: $s, name: $n) { insights { id } } }",
        s=space,
        n=name,
    )["entity"]["insights"]
    assert again == []  # open only, by default


def test_graphql_refuses_a_second_run_and_a_bad_kind(client: httpx.Client, agents_app: App) -> None:
    space = new_space()
    agents_app.fakes.gate.clear()
    try:
        run = "mutation($s: String!) { runAgents(space: $s, agent: CURATOR) { id } }"
        graphql(client, run, s=space)
        body = client.post("/graphql", json={"query": run, "variables": {"s": space}}).json()
        assert body["errors"][0]["extensions"]["code"] == "CONFLICT"
    finally:
        agents_app.fakes.gate.set()
    bad = client.post(
        "/graphql",
        json={"query": '{ insights(space: "s", kind: "gossip") { nodes { id } } }'},
    ).json()
    assert bad["errors"][0]["extensions"]["field"] == "kind"


# -- CLI ---------------------------------------------------------------------------


def test_cli_runs_agents_waits_and_lists_insights(client: httpx.Client, agents_app: App) -> None:
    space = new_space()
    add_facts(client, space, ("Ada", "knows", "Byron"))
    env = {"KENNING_URL": agents_app.url, "COLUMNS": "250"}

    ran = CliRunner().invoke(
        cli, ["agents", "run", "--space", space, "--agent", "curator"], env=env
    )

    assert ran.exit_code == 0, ran.output
    assert "succeeded" in ran.output
    assert "2 created" in ran.output
    listed = CliRunner().invoke(cli, ["insights", "--space", space], env=env)
    assert listed.exit_code == 0, listed.output
    assert "Ada looks orphaned" in listed.output
    assert "Byron looks orphaned" in listed.output
    # A failing agent makes the command fail, naming the run's error.
    failed = CliRunner().invoke(
        cli, ["agents", "run", "--space", space, "--agent", "connector"], env=env
    )
    assert failed.exit_code == 1
    assert "RuntimeError" in failed.output

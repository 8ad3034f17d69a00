"""The typed SDK clients (``Kenning``, ``AsyncKenning``) against the real app
over HTTP: every call answers the API's own models, errors are typed with
status, code and field, and 429/503 are retried as ``Retry-After`` says."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from kenning.agents.models import AgentRun, Insight
from kenning.api.rest.schemas import ContextResponse, EpisodesAccepted, GraphView, JobView
from kenning.client import (
    AsyncKenning,
    BadRequest,
    ConflictError,
    ConnectionFailed,
    Kenning,
    KenningClient,
    NotFoundError,
    RateLimited,
    ServiceUnavailable,
)
from kenning.config import load_settings
from kenning.domain.models import EpisodeCreate, Fact, Page, SearchHit
from kenning.domain.temporal import Deletion
from tests.conftest import free_port, serve

FALKORDB = pytest.mark.parametrize("engine", ["falkordb"], indirect=True)

TURNS = [
    ("Alice", "I moved to Austin last year and I love the food trucks.", "2024-03-02T10:00:00Z"),
    ("Bob", "Nice! I still work at Initech in Chicago.", "2024-03-02T10:01:00Z"),
    ("Alice", "I adopted a greyhound named Pixel last month.", "2024-03-02T10:02:00Z"),
]


def fresh_space() -> str:
    return f"sdk-{uuid.uuid4().hex[:10]}"


def turns() -> list[EpisodeCreate]:
    return [
        EpisodeCreate(speaker=s, content=c, occurred_at=datetime.fromisoformat(t))
        for s, c, t in TURNS
    ]


@pytest.fixture
def kenning(app_url: str) -> Iterator[Kenning]:
    with Kenning(app_url) as client:
        yield client


def wait_run(kenning: Kenning, space: str, run_id: str) -> AgentRun:
    deadline = time.monotonic() + 300
    while (run := kenning.agent_run(space, run_id)).status == "running":
        assert time.monotonic() < deadline, run
        time.sleep(0.2)
    return run


@FALKORDB
def test_ingest_recall_and_facts_answer_typed_models(kenning: Kenning) -> None:
    space = fresh_space()
    assert kenning.health()["status"] == "ok"
    accepted = kenning.add_episodes(space, turns())
    assert isinstance(accepted, EpisodesAccepted)
    assert accepted.created == 3
    job = kenning.wait_for_job(accepted.job_id)
    assert isinstance(job, JobView)
    assert (job.finished, job.done, job.failed) == (True, 3, 0)
    assert kenning.add_episodes(space, turns()).duplicates == 3

    hits = kenning.search(space, "Which dog did Alice adopt?", top_k=5)
    assert all(isinstance(h, SearchHit) for h in hits)
    assert any("Pixel" in h.text for h in hits)
    block = kenning.context(space, "Where does Alice live?", token_budget=200)
    assert isinstance(block, ContextResponse)
    assert "Austin" in block.context
    assert block.tokens <= 200

    [fact] = kenning.add_facts(
        space,
        [
            {
                "subject": "Alice",
                "predicate": "likes",
                "object": "tacos",
                "text": "Alice likes tacos.",
            }
        ],
    )
    assert isinstance(fact, Fact)
    page = kenning.facts(space, limit=100)
    assert isinstance(page, Page)
    assert fact.id in {f.id for f in page.items}
    patched = kenning.patch_fact(space, fact.id, confidence=0.5)
    assert patched.confidence == 0.5
    ended = datetime(2024, 6, 1, tzinfo=UTC)
    closed = kenning.invalidate_fact(space, fact.id, valid_to=ended, reason="moved on")
    assert closed.valid_to == ended
    history = kenning.timeline(space, predicates=["likes"])
    assert [e.kind for e in history if e.fact.id == fact.id][-1] == "ended"

    names = {e.name for e in kenning.entities(space, limit=100).items}
    assert {"Alice", "Austin"} <= names
    graph = kenning.graph(space, entity="Alice", depth=1)
    assert isinstance(graph, GraphView)
    assert "Alice" in {n.name for n in graph.nodes}
    assert any(s.space == space and s.episodes == 3 for s in kenning.stats())


@FALKORDB
def test_agents_insights_export_import_and_deletes(kenning: Kenning, tmp_path: Path) -> None:
    space = fresh_space()
    kenning.wait_for_job(kenning.add_episodes(space, turns()).job_id)
    started = kenning.run_agents(space, agent="digest")
    [run_id] = started.run_ids
    assert wait_run(kenning, space, run_id).status == "succeeded"
    assert run_id in {r.id for r in kenning.agent_runs(space).items}
    assert {a.agent for a in kenning.schedule().agents} == {"curator", "connector", "digest"}
    page = kenning.insights(space, agent="digest")
    assert page.items, "the digest of a space with new episodes reports them"
    first = page.items[0]
    assert isinstance(first, Insight)
    assert kenning.insight(space, first.id).id == first.id
    assert kenning.dismiss_insight(space, first.id).status == "dismissed"

    exported = io.BytesIO()
    assert kenning.export_space(space, exported) > 0
    path = tmp_path / "space.jsonl"
    path.write_bytes(exported.getvalue())
    copy = f"{space}-copy"
    imported = kenning.import_space(copy, path, new_ids=True)
    assert imported.counts["episode"] == 3
    with pytest.raises(ConflictError) as conflict:
        kenning.import_space(copy, exported.getvalue(), new_ids=True)
    assert conflict.value.status == 409

    facts = kenning.facts(space, limit=100).items
    gone = kenning.delete(space, "facts", facts[0].id)
    assert isinstance(gone, Deletion)
    assert gone.facts >= 1
    assert kenning.delete_space(copy).episodes == 3
    assert not any(s.space == copy for s in kenning.stats())


@FALKORDB
def test_errors_are_typed_with_status_code_and_field(kenning: Kenning) -> None:
    with pytest.raises(BadRequest) as bad:
        kenning.search(fresh_space(), "anything", top_k=0)
    assert (bad.value.status, bad.value.code, bad.value.field) == (422, "invalid_input", "top_k")
    with pytest.raises(BadRequest) as bad_episode:
        kenning.add_episodes(fresh_space(), [{"content": ""}])
    assert bad_episode.value.field == "episodes.0.content"
    with pytest.raises(NotFoundError) as missing:
        kenning.job("job_doesnotexist")
    assert (missing.value.status, missing.value.code) == (404, "not_found")
    assert missing.value.request_id


def test_a_port_without_kenning_raises_connection_failed_after_retries() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    with (
        Kenning(nowhere, attempts=2, max_wait_s=0.05) as kenning,
        pytest.raises(ConnectionFailed) as failed,
    ):
        kenning.health()
    assert failed.value.connect
    assert failed.value.status is None


@pytest.fixture(scope="module")
def flaky() -> Iterator[tuple[str, list[float]]]:
    """A server answering ``/healthz`` 503 then 429 (``Retry-After: 1``) then
    200, and ``/v1/stats`` always 503; it keeps the time of each request."""
    app = FastAPI()
    times: list[float] = []
    answers = iter(
        [
            JSONResponse(
                {"error": {"code": "store_unavailable", "message": "down"}},
                503,
                headers={"Retry-After": "0"},
            ),
            JSONResponse(
                {"error": {"code": "store_busy", "message": "busy"}},
                429,
                headers={"Retry-After": "1"},
            ),
        ]
    )

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        times.append(time.monotonic())
        return next(answers, JSONResponse({"status": "ok", "engine": "stand-in"}))

    @app.get("/v1/stats")
    def stats() -> JSONResponse:
        body = {"error": {"code": "store_unavailable", "message": "down"}}
        return JSONResponse(body, 503, headers={"Retry-After": "0"})

    with serve(load_settings(), ready_path="/v1/stats", ready_status=503, app=app) as url:
        yield url, times


def test_429_and_503_are_retried_honouring_retry_after(flaky: tuple[str, list[float]]) -> None:
    url, times = flaky
    with Kenning(url, attempts=4) as kenning:
        assert kenning.health() == {"status": "ok", "engine": "stand-in"}
        assert len(times) == 3
        assert times[2] - times[1] >= 0.95  # waited the 429's Retry-After: 1
        with pytest.raises(ServiceUnavailable) as down:
            kenning.stats()
    assert (down.value.status, down.value.code, down.value.retry_after) == (
        503,
        "store_unavailable",
        0.0,
    )
    with Kenning(url, attempts=1) as once, pytest.raises(ServiceUnavailable):
        once.stats()
    assert not isinstance(down.value, RateLimited)


@FALKORDB
async def test_async_client_ingests_recalls_and_raises_typed_errors(app_url: str) -> None:
    space = fresh_space()
    async with AsyncKenning(app_url) as kenning:
        accepted = await kenning.add_episodes(space, turns())
        job = await kenning.wait_for_job(accepted.job_id)
        assert (job.done, job.failed) == (3, 0)
        hits = await kenning.search(space, "Which dog did Alice adopt?", top_k=5)
        assert any("Pixel" in h.text for h in hits)
        block = await kenning.context(space, "Where does Alice live?")
        assert "Austin" in block.context
        facts = await kenning.facts(space, limit=100)
        assert facts.items
        out = io.BytesIO()
        await kenning.export_space(space, out)
        ends = [json.loads(line) for line in out.getvalue().splitlines()][-1]
        assert ends["type"] == "end"
        with pytest.raises(BadRequest) as bad:
            await kenning.context(space, "x", token_budget=1)
        assert bad.value.field == "token_budget"
        assert (await kenning.delete_space(space)).episodes == 3


@FALKORDB
def test_the_cli_client_keeps_its_dict_answers(app_url: str) -> None:
    client = KenningClient(app_url)
    try:
        assert client.health()["status"] == "ok"
        assert isinstance(client.stats(), list)
    finally:
        client.close()

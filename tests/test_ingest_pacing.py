"""Searches first (issue 9): admission control counts the API requests in
flight, and the in-process ingest worker gives way to them — small batches
and a bounded wait before each CPU step — while an idle server ingests at
full size. Real spaCy, MiniLM and embedded FalkorDB for the worker and the
app; no test depends on how fast anything runs."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from kenning.api.admission import Admission
from kenning.api.app import create_app
from kenning.config import load_settings
from kenning.domain.models import Episode, Extraction
from kenning.domain.models import Scope as SpaceScope
from kenning.extract.port import Extractor
from kenning.ingest.pacing import Foreground
from kenning.ingest.worker import IngestWorker
from kenning.store.falkordb.store import FalkorStore
from tests.conftest import serve
from tests.worker_scaffold import embedded_store, real_models, submit

SPACE = SpaceScope(tenant="t", space="pacing")


async def test_quiet_answers_at_once_when_no_request_is_in_flight() -> None:
    foreground = Foreground()
    assert not foreground.busy
    assert await foreground.quiet(3600) is True


async def test_quiet_waits_for_the_last_request_to_leave() -> None:
    foreground = Foreground()
    foreground.enter()
    foreground.enter()
    waiter = asyncio.create_task(foreground.quiet(3600))
    foreground.leave()
    await asyncio.sleep(0)
    assert not waiter.done()
    assert foreground.busy
    foreground.leave()
    assert await waiter is True
    assert not foreground.busy


async def test_quiet_gives_up_after_its_bound_under_constant_load() -> None:
    foreground = Foreground()
    foreground.enter()
    assert await foreground.quiet(0) is False
    assert await foreground.quiet(0.01) is False
    assert foreground.busy


async def test_admission_counts_admitted_queued_and_shed_requests() -> None:
    release = asyncio.Event()
    seen: list[bool] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(foreground.busy)
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    foreground = Foreground()
    admission = Admission(inner, limit=1, wait_s=0.01, foreground=foreground)
    sent: list[list[Message]] = [[], [], []]

    def call(path: str, i: int) -> asyncio.Task[None]:
        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            sent[i].append(message)

        scope = {"type": "http", "path": path, "method": "POST", "headers": []}
        return asyncio.create_task(admission(scope, receive, send))

    admitted = call("/v1/search", 0)
    await asyncio.sleep(0)
    assert seen == [True]
    assert admission.foreground is foreground
    await call("/v1/search", 1)  # no slot within wait_s: shed
    assert sent[1][0]["status"] == 429
    assert foreground.busy  # the admitted one still runs
    release.set()
    await admitted
    assert sent[0][0]["status"] == 200
    assert not foreground.busy
    await call("/healthz", 2)  # not under admission control: not counted
    assert seen == [True, False]
    assert sent[2][0]["status"] == 200


async def test_admission_queues_at_most_limit_requests_and_sheds_the_rest_at_once() -> None:
    release = asyncio.Event()
    started: list[int] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        started.append(scope["i"])
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    # A wait of an hour: only the queue bound can answer the fourth at once.
    admission = Admission(inner, limit=2, wait_s=3600)
    statuses: dict[int, int] = {}

    def call(i: int) -> asyncio.Task[None]:
        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses[i] = message["status"]

        scope = {"type": "http", "path": "/v1/search", "method": "POST", "headers": [], "i": i}
        return asyncio.create_task(admission(scope, receive, send))

    tasks = [call(i) for i in range(4)]  # 2 run, 2 wait
    await asyncio.sleep(0)
    assert started == [0, 1]
    shed = call(4)
    await shed
    assert statuses == {4: 429}
    assert admission.foreground.busy
    release.set()
    await asyncio.gather(*tasks)
    assert sorted(started) == [0, 1, 2, 3]
    assert statuses == {0: 200, 1: 200, 2: 200, 3: 200, 4: 429}
    assert not admission.foreground.busy


class CountingExtractor:
    """The real extractor; counts its calls and the episodes it saw."""

    def __init__(self, inner: Extractor) -> None:
        self.inner = inner
        self.sizes: list[int] = []

    def extract(self, episodes: Sequence[Episode]) -> list[Extraction]:
        self.sizes.append(len(episodes))
        return self.inner.extract(episodes)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[FalkorStore]:
    async with embedded_store(tmp_path / "data", "pacing") as opened:
        yield opened


@pytest.fixture(scope="module")
def models() -> tuple[Any, Any]:
    return real_models()


async def _submit(store: FalkorStore, *contents: str) -> None:
    await submit(store, SPACE, *contents)


async def test_a_busy_worker_claims_a_small_batch_and_extracts_once_it_is_quiet(
    store: FalkorStore, models: tuple[Any, Any]
) -> None:
    extractor = CountingExtractor(models[0])
    foreground = Foreground()
    worker = IngestWorker(
        store, extractor, models[1], batch=32, foreground=foreground, yield_s=3600, busy_batch=2
    )
    await _submit(store, "Ann lives in Porto.", "Bob works at Acme.", "I met Ana.", "Hi Bob.")

    foreground.enter()  # a search is in flight
    first = asyncio.create_task(worker.run_once())
    for _ in range(50):  # let the claim finish; extraction must still wait
        await asyncio.sleep(0.01)
    assert extractor.sizes == []
    assert not first.done()
    foreground.leave()
    assert await first == 2
    assert extractor.sizes == [2]

    # Idle: the full batch size, no wait.
    assert await worker.run_once() == 2
    await _submit(store, "Carl moved to Oslo.", "Dana likes tea.", "Eve plays chess.")
    assert await worker.run_once() == 3
    assert extractor.sizes == [2, 2, 3]


async def test_under_constant_load_the_worker_still_advances(
    store: FalkorStore, models: tuple[Any, Any]
) -> None:
    extractor = CountingExtractor(models[0])
    foreground = Foreground()
    foreground.enter()  # never leaves
    worker = IngestWorker(
        store, extractor, models[1], foreground=foreground, yield_s=0.01, busy_batch=1
    )
    await _submit(store, "Ann lives in Porto.", "Bob works at Acme.")

    assert [await worker.run_once() for _ in range(3)] == [1, 1, 0]
    assert extractor.sizes == [1, 1]


@pytest.fixture
def held_request() -> Iterator[tuple[threading.Event, Any]]:
    """A request body that sends half, then waits for the event."""
    go_on = threading.Event()
    body = json.dumps({"space": "pacing", "query": "where does Ann live"}).encode()

    def chunks() -> Iterator[bytes]:
        yield body[:10]
        go_on.wait(timeout=120)
        yield body[10:]

    yield go_on, chunks
    go_on.set()


def test_the_app_tells_its_worker_about_requests_in_flight(
    tmp_path: Path, held_request: tuple[threading.Event, Any]
) -> None:
    app = create_app(load_settings(data_dir=tmp_path / "data"))
    go_on, chunks = held_request
    with serve(load_settings(), app=app) as url:
        foreground = app.state.runtime.foreground
        assert not foreground.busy
        answer: list[int] = []

        def post() -> None:
            with httpx.Client(base_url=url, timeout=120) as client:
                headers = {"content-type": "application/json"}
                r = client.post("/v1/search", content=chunks(), headers=headers)
                answer.append(r.status_code)

        sender = threading.Thread(target=post)
        sender.start()
        for _ in range(600):
            if foreground.busy:
                break
            threading.Event().wait(0.05)
        assert foreground.busy
        go_on.set()
        sender.join(timeout=120)
        assert answer == [200]
        # The middleware unwinds just after the last byte went out.
        for _ in range(600):
            if not foreground.busy:
                break
            threading.Event().wait(0.05)
        assert not foreground.busy

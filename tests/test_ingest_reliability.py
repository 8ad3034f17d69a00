"""The ingest worker retries failed batches, never fails episodes for a store
outage, renews its claims while it works, and failed episodes can be queued
again (issue 9). Real spaCy, MiniLM and embedded FalkorDB; only the failures
are injected, by wrapping the real extractor."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kenning.api import runtime as runtime_module
from kenning.config import Settings, load_settings
from kenning.domain.models import Episode, EpisodeStatus, Extraction, Scope, utcnow
from kenning.errors import StoreBusy, StoreUnavailable
from kenning.extract.port import Extractor
from kenning.ingest.worker import IngestWorker
from kenning.store.falkordb.store import FalkorStore
from tests.conftest import serve, wait_for_job
from tests.worker_scaffold import embedded_store, real_models, submit

POISON = "POISON"


class FaultyExtractor:
    """The real extractor, but failing as told: the first ``fail_first``
    calls raise; calls holding a :data:`POISON` episode raise while
    ``poison`` is set; ``error`` chooses the exception; ``gate`` (when set)
    holds every call until it opens."""

    def __init__(self, inner: Extractor) -> None:
        self.inner = inner
        self.calls = 0
        self.fail_first = 0
        self.poison = True
        self.error: type[Exception] = RuntimeError
        self.gate: threading.Event | None = None

    def extract(self, episodes: Sequence[Episode]) -> list[Extraction]:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(timeout=60)
        if self.calls <= self.fail_first:
            raise self.error(f"injected failure {self.calls}")
        if self.poison and any(POISON in e.content for e in episodes):
            raise ValueError("expected sequence of length 21 at dim 1 (got 20)")
        return self.inner.extract(episodes)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[FalkorStore]:
    async with embedded_store(tmp_path / "data", "reliability") as opened:
        yield opened


@pytest.fixture(scope="module")
def models() -> tuple[Any, Any]:
    return real_models()


def _worker(
    store: FalkorStore, models: tuple[Any, Any], extractor: FaultyExtractor, **kw: Any
) -> IngestWorker:
    kw.setdefault("retry_backoff_s", 0.0)
    return IngestWorker(store, extractor, models[1], **kw)


SCOPE = Scope(tenant="t", space="reliability")


async def test_a_failed_batch_is_retried_before_any_episode_fails(
    store: FalkorStore, models: tuple[Any, Any]
) -> None:
    extractor = FaultyExtractor(models[0])
    extractor.fail_first = 2
    job_id, _ = await submit(store, SCOPE, "I moved to Lisbon in March.", "Bob works at Acme.")

    assert await _worker(store, models, extractor, retries=2).run_once() == 2

    job = await store.get_job("t", job_id)
    assert job is not None
    assert (job.done, job.failed, extractor.calls) == (2, 0, 3)


async def test_a_bad_episode_fails_alone_after_the_retries(
    store: FalkorStore, models: tuple[Any, Any]
) -> None:
    extractor = FaultyExtractor(models[0])
    job_id, ids = await submit(store, SCOPE, "Ann lives in Porto.", f"{POISON} here", "Hi Bob.")

    await _worker(store, models, extractor, retries=1).run_once()

    job = await store.get_job("t", job_id)
    assert job is not None
    assert (job.done, job.failed) == (2, 1)
    assert job.errors == ["ValueError: expected sequence of length 21 at dim 1 (got 20)"]
    # 2 tries of the batch, then each episode once.
    assert extractor.calls == 2 + 3
    (bad,) = await store.get_episodes(SCOPE, [ids[1]])
    assert bad.status is EpisodeStatus.FAILED

    # Queued again once the cause is gone, it ends done.
    extractor.poison = False
    assert await store.retry_failed_episodes("t", job_id) == 1
    await _worker(store, models, extractor).run_once()
    job = await store.get_job("t", job_id)
    assert job is not None
    assert (job.done, job.failed, job.errors) == (3, 0, [])


@pytest.mark.parametrize("error", [StoreUnavailable, StoreBusy])
async def test_a_store_outage_never_marks_episodes_failed(
    store: FalkorStore, models: tuple[Any, Any], error: type[Exception]
) -> None:
    # A full pool (StoreBusy) is back-pressure, not a failure either.
    extractor = FaultyExtractor(models[0])
    extractor.fail_first, extractor.error = 1, error
    job_id, _ = await submit(store, SCOPE, "Ann moved to Oslo.")
    worker = _worker(store, models, extractor, retries=3, lease_s=30)

    with pytest.raises(error):
        await worker.run_once()

    job = await store.get_job("t", job_id, utcnow() + timedelta(seconds=31))
    assert job is not None
    assert (job.processing, job.failed, job.stuck, extractor.calls) == (1, 0, 1, 1)
    # Within the lease no other worker takes it ...
    lease_ago = utcnow() - timedelta(seconds=30)
    assert await store.claim_episodes(10, utcnow(), lease_ago, worker="other") == []
    assert await store.claim_episodes(10, utcnow(), lease_ago) == []
    # ... and the same worker, with the store back, takes its dropped claim at once.
    assert await worker.run_once() == 1
    job = await store.get_job("t", job_id)
    assert job is not None
    assert (job.done, job.failed, extractor.calls) == (1, 0, 2)


async def test_a_full_pool_at_claim_time_does_not_stop_the_worker(
    store: FalkorStore, models: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seen on Neo4j with a pool of 1: the claim met a request holding the only
    # connection, StoreBusy left run_forever and no episode was taken again.
    job_id, _ = await submit(store, SCOPE, "Ann moved to Oslo.")
    worker = _worker(store, models, FaultyExtractor(models[0]))
    real_claim, claims = store.claim_episodes, []

    async def busy_first(*args: Any, **kwargs: Any) -> Any:
        claims.append(1)
        if len(claims) == 1:
            raise StoreBusy("all 1 store connections stayed busy for 0.001 s")
        return await real_claim(*args, **kwargs)

    monkeypatch.setattr(store, "claim_episodes", busy_first)
    task = asyncio.create_task(worker.run_forever(asyncio.Event(), poll_s=0.05))
    try:
        for _ in range(600):  # up to 60 s: the batch runs the real models
            job = await store.get_job("t", job_id)
            assert job is not None
            if job.done + job.failed == job.total or task.done():
                break
            await asyncio.sleep(0.1)
        assert not task.done(), "the worker stopped"
        assert (job.done, job.failed) == (1, 0)
        assert len(claims) >= 2
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_the_heartbeat_keeps_a_slow_batch_claimed(
    store: FalkorStore, models: tuple[Any, Any]
) -> None:
    extractor = FaultyExtractor(models[0])
    extractor.gate = threading.Event()
    job_id, _ = await submit(store, SCOPE, "Ann started at Initech.")
    lease_s = 6  # beats every 2 s: a loop stalled up to 4 s still passes
    worker = _worker(store, models, extractor, lease_s=lease_s)
    other = _worker(store, models, FaultyExtractor(models[0]), lease_s=lease_s)

    running = asyncio.create_task(worker.run_once())
    try:
        # Two whole leases pass while the first worker is busy; its heartbeat
        # (every lease/3) keeps the claim fresh, so nobody takes it over.
        for _ in range(4):
            await asyncio.sleep(lease_s / 2)
            assert await other.run_once() == 0
            job = await store.get_job("t", job_id, utcnow() - timedelta(seconds=lease_s))
            assert job is not None
            assert (job.processing, job.stuck) == (1, 0)
    finally:
        extractor.gate.set()
        assert await running == 1
    job = await store.get_job("t", job_id)
    assert job is not None
    assert job.done == 1


# -- over HTTP -------------------------------------------------------------------


@pytest.fixture
def faulty_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, models: tuple[Any, Any]
) -> Iterator[tuple[str, FaultyExtractor]]:
    extractor = FaultyExtractor(models[0])
    monkeypatch.setattr(runtime_module, "load_extractor", lambda settings: extractor)
    settings: Settings = load_settings(
        data_dir=tmp_path / "data", ingest_retries=1, ingest_retry_backoff_s=0.0
    )
    with serve(settings) as url:
        yield url, extractor


def test_failed_episodes_are_retried_over_rest_and_graphql(
    faulty_app: tuple[str, FaultyExtractor],
) -> None:
    url, extractor = faulty_app
    body = {
        "space": "retry",
        "episodes": [
            {"speaker": "Ann", "content": "I moved to Lisbon in March."},
            {"speaker": "Ann", "content": f"{POISON} in the batch"},
        ],
    }
    with httpx.Client(base_url=url, timeout=60) as api:
        job_id = api.post("/v1/episodes", json=body).json()["job_id"]
        job = wait_for_job(api, job_id)
        assert (job["done"], job["failed"], job["stuck"]) == (1, 1, 0)

        extractor.poison = False
        answer = api.post(f"/v1/jobs/{job_id}/retry")
        assert answer.status_code == 202, answer.text
        assert answer.json()["failed"] == 0
        assert answer.json()["pending"] + answer.json()["processing"] + answer.json()["done"] == 2
        job = wait_for_job(api, job_id)
        assert (job["done"], job["failed"], job["errors"]) == (2, 0, [])

        again = api.post(f"/v1/jobs/{job_id}/retry")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "conflict"
        unknown = api.post("/v1/jobs/job_unknown/retry")
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")

        query = "mutation($id: ID!) { retryJob(id: $id) { id failed } }"
        for job, code in ((job_id, "CONFLICT"), ("job_unknown", "NOT_FOUND")):
            answer = api.post("/graphql", json={"query": query, "variables": {"id": job}})
            assert answer.json()["errors"][0]["extensions"]["code"] == code

        spec = api.get("/openapi.json").json()["paths"]["/v1/jobs/{job_id}/retry"]["post"]
        assert {"202", "404", "409", "503"} <= set(spec["responses"])

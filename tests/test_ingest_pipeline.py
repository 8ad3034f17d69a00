"""The ingest worker extracts the next batch while one is written (issue 15),
still writes batches in the order claimed, and leaves nothing claimed for
good when stopped between two batches. Real spaCy, MiniLM and embedded
FalkorDB; the write is slowed (not replaced) so the overlap is visible."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from kenning.domain.models import Episode, Extraction, Scope
from kenning.ingest.worker import IngestWorker
from kenning.store.falkordb.store import FalkorStore
from kenning.temporal.supersession import Supersession
from tests.worker_scaffold import embedded_store, real_models, submit

SCOPE = Scope(tenant="t", space="pipeline")
TURNS = [
    ["Ann moved to Oslo in May.", "Ben started at Initech."],
    ["Cleo adopted a cat named Pip.", "Dan plays the violin."],
    ["Eve visited Kyoto last spring.", "Finn studies law in Lisbon."],
]
FIRSTS = [turns[0] for turns in TURNS]
#: How long each write is held: far longer than a two-turn parse here, so
#: a worker that overlaps them starts the next parse while a write is held.
WRITE_HOLD_S = 0.8


def _label(contents: Iterable[str]) -> str:
    """A batch's name: its turn that opens a batch of :data:`TURNS`."""
    return next(c for c in contents if c in FIRSTS)


class Timeline:
    """What happened when (``time.monotonic()``), from both threads."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, float]] = []

    def add(self, what: str, first: str) -> None:
        self.events.append((what, first, time.monotonic()))

    def at(self, what: str, first: str) -> float:
        return next(t for w, f, t in self.events if (w, f) == (what, first))

    def order(self, what: str) -> list[str]:
        return [f for w, f, _ in self.events if w == what]


class RecordingExtractor:
    """The real extractor; notes when each batch's parse starts."""

    def __init__(self, inner: Any, timeline: Timeline) -> None:
        self.inner, self.timeline = inner, timeline

    def extract(self, episodes: Sequence[Episode]) -> list[Extraction]:
        self.timeline.add("extract", _label(e.content for e in episodes))
        result: list[Extraction] = self.inner.extract(episodes)
        return result


class SlowSupersession(Supersession):
    """The real write, held :data:`WRITE_HOLD_S` first; notes start and end."""

    def __init__(self, store: FalkorStore, timeline: Timeline, contents: dict[str, str]) -> None:
        super().__init__(store)
        self.timeline, self.contents = timeline, contents
        self.started = asyncio.Event()

    async def write(self, scope: Scope, write: Any, episode_ids: list[str], now: Any) -> list[str]:
        first = _label(self.contents[i] for i in episode_ids)
        self.timeline.add("write", first)
        self.started.set()
        await asyncio.sleep(WRITE_HOLD_S)
        stored = await super().write(scope, write, episode_ids, now)
        self.timeline.add("written", first)
        return stored


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[FalkorStore]:
    async with embedded_store(tmp_path / "data", "pipeline") as opened:
        yield opened


@pytest.fixture(scope="module")
def models() -> tuple[Any, Any]:
    return real_models()


async def _submit_all(store: FalkorStore) -> tuple[list[str], dict[str, str]]:
    """One job per batch, in order: ``(job ids, episode id -> content)``."""
    jobs, contents = [], {}
    for turns in TURNS:
        job_id, ids = await submit(store, SCOPE, *turns)
        jobs.append(job_id)
        contents.update(zip(ids, turns, strict=True))
    return jobs, contents


async def _slow_worker(
    store: FalkorStore, models: tuple[Any, Any], timeline: Timeline, **kw: Any
) -> tuple[list[str], IngestWorker, SlowSupersession]:
    """:data:`TURNS` submitted, and a worker of two-turn batches whose parses
    and held writes go on ``timeline``: ``(job ids, worker, its supersession)``."""
    jobs, contents = await _submit_all(store)
    supersession = SlowSupersession(store, timeline, contents)
    extractor = RecordingExtractor(models[0], timeline)
    worker = IngestWorker(store, extractor, models[1], batch=2, supersession=supersession, **kw)
    return jobs, worker, supersession


async def _settled(store: FalkorStore, jobs: list[str], timeout_s: float = 90) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        statuses = [await store.get_job(SCOPE.tenant, j) for j in jobs]
        if all(s is not None and s.done + s.failed == s.total for s in statuses):
            return all(s is not None and s.done == s.total for s in statuses)
        await asyncio.sleep(0.1)
    return False


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_the_next_batch_is_parsed_while_one_is_written_in_claim_order(
    store: FalkorStore, models: tuple[Any, Any]
) -> None:
    timeline = Timeline()
    jobs, worker, _ = await _slow_worker(store, models, timeline)
    task = asyncio.create_task(worker.run_forever(asyncio.Event(), poll_s=0.05))
    try:
        assert await _settled(store, jobs), "not every episode was written"
    finally:
        await _stop(task)
    assert timeline.order("write") == FIRSTS
    assert timeline.order("extract") == FIRSTS
    for before, after in itertools.pairwise(FIRSTS):
        # The next batch's parse began while this one's write was held.
        assert timeline.at("extract", after) < timeline.at("written", before)
    page = await store.list_facts(SCOPE, "", 100)
    assert {f.subject for f in page.items} >= {"Ann", "Cleo", "Eve"}


async def test_stopped_between_batches_nothing_stays_claimed(
    store: FalkorStore, models: tuple[Any, Any]
) -> None:
    lease_s = 2.0
    jobs, worker, supersession = await _slow_worker(store, models, Timeline(), lease_s=lease_s)
    task = asyncio.create_task(worker.run_forever(asyncio.Event(), poll_s=0.05))
    await asyncio.wait_for(supersession.started.wait(), 60)
    await _stop(task)  # mid-write, with the next batch claimed ahead
    await asyncio.sleep(0.1)
    left = [
        t
        for t in asyncio.all_tasks()
        if not t.done() and "IngestWorker" in getattr(t.get_coro(), "__qualname__", "")
    ]
    assert left == [], "the stopped worker left tasks running (a heartbeat renews for ever)"
    # Claims run out after the lease: another worker takes everything, and
    # every episode ends up done.
    other = IngestWorker(store, models[0], models[1], batch=2, lease_s=lease_s)
    await asyncio.sleep(lease_s + 0.5)
    again = asyncio.create_task(other.run_forever(asyncio.Event(), poll_s=0.05))
    try:
        assert await _settled(store, jobs), "an episode was lost or failed"
    finally:
        await _stop(again)

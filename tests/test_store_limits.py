"""Bounds on store calls and requests: the connection gate, timeouts, admission
control, error codes, and a bounded shutdown while the store hangs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLError

from kenning.api.graphql.errors import code_of, coded
from kenning.config import load_settings
from kenning.errors import StoreBusy, StoreUnavailable
from kenning.store.base import CypherStore
from kenning.store.limits import CallGate, StoreLimits
from tests.conftest import free_port, serve

SRC = Path(__file__).resolve().parents[1] / "src"


async def test_a_call_that_finds_no_free_connection_in_time_is_store_busy() -> None:
    gate = CallGate(StoreLimits(pool_size=1, pool_timeout_s=0.05))
    release = asyncio.Event()

    async def hold() -> str:
        await release.wait()
        return "held"

    first = asyncio.create_task(gate.run(hold, write=False))
    await asyncio.sleep(0)  # let it take the only slot
    with pytest.raises(StoreBusy):
        await gate.run(lambda: asyncio.sleep(0, "never"), write=False)
    release.set()
    assert await first == "held"
    assert await gate.run(lambda: asyncio.sleep(0, "next"), write=False) == "next"
    assert gate.answered_within(60)
    assert gate.waiting == 0


async def test_calls_beyond_the_pool_queue_and_all_finish() -> None:
    gate = CallGate(StoreLimits(pool_size=2, pool_timeout_s=30))
    running, peak = 0, 0

    async def work(i: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        return i

    results = await asyncio.gather(*(gate.run(lambda i=i: work(i), write=False) for i in range(20)))
    assert results == list(range(20))
    assert peak == 2


@pytest.mark.parametrize("write", [False, True])
async def test_a_call_that_runs_too_long_is_unavailable(write: bool) -> None:
    gate = CallGate(StoreLimits(read_timeout_s=0.05, write_timeout_s=0.1))
    with pytest.raises(StoreUnavailable, match="write" if write else "read"):
        await gate.run(lambda: asyncio.sleep(10), write=write)
    assert not gate.answered_within(60)
    # the slot came back: the next call runs
    assert await gate.run(lambda: asyncio.sleep(0, "ok"), write=write) == "ok"


async def test_calls_inside_a_hold_reuse_its_slot_and_others_wait() -> None:
    # A locked Neo4j transaction is one held call whose queries go through run().
    gate = CallGate(StoreLimits(pool_size=1, pool_timeout_s=0.05, write_timeout_s=0.5))
    inner: list[str] = []
    entered, release = asyncio.Event(), asyncio.Event()

    async def unit() -> str:
        inner.append(await gate.run(lambda: asyncio.sleep(0, "read"), write=False))
        entered.set()
        await release.wait()
        return "done"

    held = asyncio.create_task(gate.hold(unit))
    await entered.wait()
    with pytest.raises(StoreBusy):  # another task finds the one slot held
        await gate.run(lambda: asyncio.sleep(0), write=False)
    release.set()
    assert await held == "done"
    assert inner == ["read"]
    with pytest.raises(StoreUnavailable, match="write"):  # the whole unit is bounded
        await gate.hold(lambda: asyncio.sleep(10))
    assert await gate.run(lambda: asyncio.sleep(0, "ok"), write=False) == "ok"


def test_graphql_codes_a_busy_store_rate_limited_and_retryable() -> None:
    error = GraphQLError("x", original_error=StoreBusy("all connections busy"))
    assert code_of(error) == "RATE_LIMITED"
    extensions = coded(error).extensions or {}
    assert extensions["retryable"] is True
    assert extensions["retryAfter"] == 1
    assert "connections" not in coded(error).message
    down = GraphQLError("x", original_error=StoreUnavailable("down"))
    assert code_of(down) == "UNAVAILABLE"


def test_requests_beyond_the_admission_limit_get_429_and_healthz_still_answers(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data", max_concurrent_requests=1, request_queue_timeout_s=0.001
    )
    with serve(settings) as url:

        def search(i: int) -> httpx.Response:
            with httpx.Client(base_url=url, timeout=60) as client:
                return client.post("/v1/search", json={"space": "empty", "query": f"q {i}"})

        health: list[int] = []

        def probe() -> None:
            with httpx.Client(base_url=url, timeout=5) as client:
                health.extend(client.get("/healthz").status_code for _ in range(5))

        prober = threading.Thread(target=probe)
        prober.start()
        with ThreadPoolExecutor(20) as pool:
            responses = list(pool.map(search, range(20)))
        prober.join()
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) == {200, 429}, statuses
    shed = next(r for r in responses if r.status_code == 429)
    assert shed.headers["Retry-After"] == "1"
    assert shed.json()["error"]["code"] == "busy"
    assert health == [200] * 5


def test_sigterm_ends_kenning_serve_in_bounded_time_while_the_store_is_frozen(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "KENNING_DATA_DIR": str(data_dir),
        "KENNING_STORE_READ_TIMEOUT_S": "30",  # a request in flight hangs on its own
        "KENNING_EMBEDDED_HANG_TIMEOUT_S": "600",  # and the supervisor leaves it frozen
        "KENNING_LOG_LEVEL": "WARNING",
    }
    cli = "from kenning.cli import app; app()"
    proc = subprocess.Popen(
        [sys.executable, "-c", cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    redis_pid = 0
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "serve exited"
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.3)
        redis_pid = int((data_dir / "falkordb.pid").read_text())
        os.kill(redis_pid, signal.SIGSTOP)
        hung = threading.Thread(
            target=lambda: httpx.get(url + "/v1/facts", params={"space": "x"}, timeout=60),
            daemon=True,
        )
        hung.start()
        time.sleep(1.0)  # the request is now waiting on the frozen store
        stopping = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        took = time.monotonic() - stopping
        print(f"\nSIGTERM with the store frozen: exit {code} after {took:.2f} s")
        assert took < 20, f"shutdown took {took:.1f} s"
        deadline = time.monotonic() + 10
        while Path(f"/proc/{redis_pid}").exists() and _state(redis_pid) not in ("Z", "X"):
            assert time.monotonic() < deadline, "the frozen redis-server was left running"
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if redis_pid and Path(f"/proc/{redis_pid}").exists():
            os.kill(redis_pid, signal.SIGKILL)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return ""


class _SlowFirstPlan(CypherStore):
    """A store whose engine takes 0.2 s to plan a query the first time it
    sees it (as a cold Neo4j does), then answers at once."""

    dialect = "falkordb"
    first_plan_grace_s = 1.0

    def __init__(self) -> None:
        super().__init__(StoreLimits(read_timeout_s=0.1))
        self.seen: set[str] = set()

    async def _run(self, query: str, params: dict[str, Any], *, write: bool) -> list[Any]:
        if query not in self.seen:
            self.seen.add(query)
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.15 if params.get("slow") else 0)
        return []

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def run_locked(self, scope: Any, chains: Any, work: Any) -> Any: ...
    def _instant_to_db(self, value: datetime) -> Any: ...
    def _instant_from_db(self, value: Any) -> datetime: ...
    def _fulltext_query(self, terms: list[str]) -> str: ...


async def test_a_query_gets_the_plan_grace_on_its_first_run_only() -> None:
    store = _SlowFirstPlan()
    # 0.2 s of planning > the 0.1 s read timeout: answered within the grace
    assert await store._query("ping", {}) == []
    assert store.plan_grace_s(store.cypher.query("ping")) == 0.0
    assert store.plan_grace_s(store.cypher.query("get_job")) == 1.0
    # once planned, the plain read timeout holds again
    with pytest.raises(StoreUnavailable, match=r"read within 0\.1 s"):
        await store._query("ping", {"slow": True})

"""Faults of the embedded engine and load beyond the pool, against the real app.

The embedded ``redis-server`` is killed (``kill -9``) or frozen (SIGSTOP)
under a running app; requests must answer 503 with Retry-After while it is
down (never hang), and the app must recover by itself, losing nothing.
Recovery times are printed (``pytest -s``) for the issue note; the asserted
bounds are generous, they catch a hang, not a slow machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kenning.api.app import create_app
from kenning.config import Settings, load_settings
from kenning.errors import StoreUnavailable
from kenning.store.falkordb.server import EmbeddedFalkorDB
from tests.conftest import serve, settings_on

TURNS = [
    {
        "speaker": "Ann",
        "content": "I moved to Lisbon in March.",
        "occurred_at": "2024-03-02T10:00:00Z",
    },
    {
        "speaker": "Ann",
        "content": "I adopted a cat named Miso.",
        "occurred_at": "2024-03-02T10:01:00Z",
    },
]
#: Generous ceilings: a request that takes this long is hanging, not slow.
HANG_S = 10.0


@contextmanager
def running(settings: Settings) -> Iterator[tuple[httpx.Client, FastAPI]]:
    app = create_app(settings)
    with serve(settings, app=app) as url, httpx.Client(base_url=url, timeout=30) as api:
        yield api, app


def embedded(app: FastAPI) -> EmbeddedFalkorDB:
    server = app.state.runtime.store.server
    assert isinstance(server, EmbeddedFalkorDB)
    return server


def seeded(api: httpx.Client) -> tuple[str, list[dict[str, Any]]]:
    """A fresh space with two ingested turns; returns it and its facts."""
    space = f"f-{uuid.uuid4().hex[:8]}"
    accepted = patient(api, "POST", "/v1/episodes", json={"space": space, "episodes": TURNS})
    deadline = time.monotonic() + 120
    while not (job := patient(api, "GET", f"/v1/jobs/{accepted['job_id']}"))["finished"]:
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert (job["done"], job["failed"]) == (2, 0)
    facts = patient(api, "GET", "/v1/facts", params={"space": space})["items"]
    assert facts
    time.sleep(1.5)  # appendfsync everysec: let the AOF reach the disk
    return space, facts


def patient(api: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    """The JSON of a request, repeated while the store is busy (429)."""
    for _ in range(100):
        response = api.request(method, path, **kwargs)
        if response.status_code != 429:
            return response.raise_for_status().json()
        time.sleep(0.05)
    raise AssertionError(f"{method} {path} stayed 429")


def timed_get(api: httpx.Client, path: str, **params: str) -> tuple[httpx.Response, float]:
    t0 = time.monotonic()
    response = api.get(path, params=params)
    return response, time.monotonic() - t0


def until_recovered(api: httpx.Client, space: str, limit_s: float) -> Counter[int]:
    """Ask for the space's facts until 200; every other answer must be a quick
    503 with Retry-After. Returns the statuses seen."""
    seen: Counter[int] = Counter()
    deadline = time.monotonic() + limit_s
    while True:
        response, took = timed_get(api, "/v1/facts", space=space)
        seen[response.status_code] += 1
        if response.status_code == 200:
            return seen
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"].isdigit()
        assert response.json()["error"]["code"] == "unavailable"
        assert took < HANG_S, f"a request took {took:.1f} s while the store was down"
        health, health_s = timed_get(api, "/healthz")
        assert health.status_code in (200, 503)
        assert health_s < 2.0, f"/healthz took {health_s:.2f} s"
        assert time.monotonic() < deadline, f"no recovery within {limit_s} s: {seen}"
        time.sleep(0.2)


def pid_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return ""


def test_kill_9_of_the_engine_is_503_then_recovers_without_loss(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    with running(settings) as (api, app):
        space, facts = seeded(api)
        server = embedded(app)
        old_pid = server.pid
        assert old_pid is not None
        killed = time.monotonic()
        os.kill(old_pid, signal.SIGKILL)
        seen = until_recovered(api, space, limit_s=60)
        recovery_s = time.monotonic() - killed
        print(f"\nkill -9: recovered in {recovery_s:.2f} s; answers while down: {dict(seen)}")
        # Every answer was a quick 503 or the data (until_recovered checks); a
        # request may also succeed at once when its driver retry meets the
        # restarted server.
        assert set(seen) <= {200, 503}
        assert api.get("/v1/facts", params={"space": space}).json()["items"] == facts
        assert api.get("/healthz").status_code == 200
        assert server.restarts == 1
        assert server.pid not in (None, old_pid)
        assert _state(old_pid) != "Z", "the killed server was left a zombie"


def test_sigstop_of_the_engine_is_a_quick_503_and_recovers_after_sigcont(
    tmp_path: Path,
) -> None:
    # Long enough that the supervisor leaves the frozen server for SIGCONT.
    settings = load_settings(
        data_dir=tmp_path / "data", store_read_timeout_s=2.0, embedded_hang_timeout_s=60
    )
    with running(settings) as (api, app):
        space, facts = seeded(api)
        server = embedded(app)
        pid = server.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        try:
            response, took = timed_get(api, "/v1/facts", space=space)
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"].isdigit()
            assert took < HANG_S
            time.sleep(3.0)  # the supervisor has now seen it stopped (a 2 s probe)
            health, health_s = timed_get(api, "/healthz")
            assert health.status_code == 503
            fast, fast_s = timed_get(api, "/v1/facts", space=space)
            assert fast.status_code == 503
            print(
                f"\nSIGSTOP: first request 503 after {took:.2f} s, later ones after "
                f"{fast_s:.3f} s; /healthz 503 after {health_s:.3f} s"
            )
        finally:
            os.kill(pid, signal.SIGCONT)
        continued = time.monotonic()
        seen = until_recovered(api, space, limit_s=30)
        print(f"SIGCONT: recovered in {time.monotonic() - continued:.2f} s ({dict(seen)})")
        assert api.get("/v1/facts", params={"space": space}).json()["items"] == facts
        assert server.restarts == 0
        assert server.pid == pid


def test_a_server_stopped_for_good_is_killed_and_restarted(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", store_read_timeout_s=2.0)
    with running(settings) as (api, app):
        space, facts = seeded(api)
        server = embedded(app)
        pid = server.pid
        assert pid is not None
        stopped = time.monotonic()
        os.kill(pid, signal.SIGSTOP)
        try:
            seen = until_recovered(api, space, limit_s=45)
        finally:
            if pid_alive(pid):
                os.kill(pid, signal.SIGCONT)
        recovery_s = time.monotonic() - stopped
        print(f"\nSIGSTOP for good: restarted, recovered in {recovery_s:.2f} s ({dict(seen)})")
        assert seen[503] >= 1
        assert server.restarts == 1
        assert server.pid != pid
        assert not pid_alive(pid)
        assert api.get("/v1/facts", params={"space": space}).json()["items"] == facts


def concurrent_searches(url: str, space: str, n: int) -> list[httpx.Response]:
    def one(i: int) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=60) as client:
            body = {"space": space, "query": f"Where did Ann move? {i}"}
            return client.post("/v1/search", json=body)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


@pytest.mark.parametrize(
    ("pool_size", "pool_timeout_s"),
    [(2, 2.0), (1, 0.001)],
    ids=["queues", "sheds"],
)
def test_requests_beyond_the_pool_queue_or_get_429_never_503(
    tmp_path: Path,
    engine: str,
    request: pytest.FixtureRequest,
    pool_size: int,
    pool_timeout_s: float,
) -> None:
    # Engine-independent by design (the call gate admits pool_size calls on
    # either engine); on Neo4j it runs against the session's server.
    settings = settings_on(
        engine,
        tmp_path / "data",
        request,
        store_pool_size=pool_size,
        store_pool_timeout_s=pool_timeout_s,
    )
    with running(settings) as (api, _):
        space, _ = seeded(api)
        if pool_timeout_s >= 1.0:  # (with no wait, even one search alone gets 429)
            # One search first, so a cold Neo4j plans its queries before the burst.
            patient(api, "POST", "/v1/search", json={"space": space, "query": "Lisbon"})
        responses = concurrent_searches(str(api.base_url), space, 20)
        statuses = Counter(r.status_code for r in responses)
        print(f"\npool {pool_size}, wait {pool_timeout_s} s, 20 searches: {dict(statuses)}")
        assert set(statuses) <= {200, 429}, statuses
        for response in responses:
            if response.status_code == 429:
                assert response.headers["Retry-After"].isdigit()
                assert response.json()["error"]["code"] == "busy"
        if pool_timeout_s >= 1.0:
            assert statuses[200] >= 1
        else:
            assert statuses[429] >= 1  # one slot, no wait: searches run ~10 queries at once
        assert api.get("/healthz").status_code == 200


async def test_a_start_that_never_answers_is_cut_off_and_the_next_start_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process that never listens stands in for a server deadlocked at start-up.
    server = EmbeddedFalkorDB(tmp_path / "data", start_timeout=1.0)
    real_spawn = server._spawn
    hung: list[subprocess.Popen[bytes]] = []

    def deadlocked(*_: Path) -> subprocess.Popen[bytes]:
        hung.append(subprocess.Popen(["sleep", "60"]))
        return hung[-1]

    monkeypatch.setattr(server, "_spawn", deadlocked)
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailable, match="did not answer PING"):
        await server.start()
    print(f"\nstart-up deadlock detected after {time.monotonic() - t0:.2f} s")
    assert hung[0].poll() is not None, "the hung start was not killed"
    assert not server.running
    monkeypatch.setattr(server, "_spawn", real_spawn)
    try:
        await server.start()
        assert server.answering
    finally:
        await server.stop()

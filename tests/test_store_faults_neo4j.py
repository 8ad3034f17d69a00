"""Faults of a Neo4j server under a running app (issue 9, the Neo4j half).

A private Neo4j (``deploy/neo4j/local.py``: free ports, a throwaway home) is
frozen (SIGSTOP) or killed (``kill -9``) under a running app. Requests must
answer 503 with Retry-After while it is away, within the read timeout plus a
margin (never hang, never 500), and ``/healthz`` within 1 s; once Neo4j is
back (SIGCONT, or started again on the same home and ports) the app recovers
by itself, without a restart, and loses nothing it accepted. Kenning does not
supervise a Neo4j server: the test restarts it, as an operator or a cluster
would. Recovery times are printed (``pytest -s``) as JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

import httpx
import pytest
from deploy.neo4j import local as local_neo4j

from kenning.config import Settings, load_settings
from kenning.errors import StoreUnavailable
from kenning.store.base import Row
from kenning.store.limits import StoreLimits
from kenning.store.neo4j.store import Neo4jStore
from tests.conftest import free_port
from tests.test_store_faults import TURNS, running, timed_get, until_recovered

pytestmark = pytest.mark.neo4j

PASSWORD = "kenning-faults"
#: Read timeout of the apps here; a request while Neo4j is frozen may take
#: this long (plus :data:`MARGIN_S`) before its 503.
READ_TIMEOUT_S = 5.0
#: Slack on top of a documented bound, for a loaded 2-core machine.
MARGIN_S = 5.0
LEASE_S = 5
#: Most seconds set-up and after-recovery steps (not under test) may take.
SETTLE_S = 180
#: ``/healthz`` answers within 1 s; the rest is the HTTP round trip.
HEALTH_S = 1.5


@dataclass
class PrivateNeo4j:
    """A Neo4j server of this module's own, which its tests may kill."""

    home: Path
    bolt_port: int
    http_port: int
    pid: int

    @property
    def url(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def start(self) -> None:
        """(Re)start the server on the same home and ports; waits until ready."""
        server = local_neo4j.start(self.home, self.bolt_port, self.http_port, PASSWORD)
        self.pid = server.pid

    def kill(self) -> None:
        """``kill -9``, and reap it (it is this process's child)."""
        os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)

    def settings(self, data_dir: Path) -> Settings:
        return load_settings(
            data_dir=data_dir,
            graph_url=self.url,
            neo4j_user="neo4j",
            neo4j_password=PASSWORD,
            store_read_timeout_s=READ_TIMEOUT_S,
            claim_lease_s=LEASE_S,
            worker_batch=2,
        )


@pytest.fixture(scope="module")
def neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateNeo4j]:
    """A private Neo4j for this module (Java needed; else skip)."""
    if shutil.which("java") is None:
        pytest.skip("no Java: a private Neo4j cannot be started")
    home = tmp_path_factory.mktemp("neo4j-faults")
    server = PrivateNeo4j(home, free_port(), free_port(), pid=0)
    server.start()
    try:
        yield server
    finally:
        local_neo4j.stop(home)


def settled(api: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    """The JSON of a request made before a fault or after recovery, repeated
    while the app answers 429 or 503: a cold JVM plans each query on its first
    run, and on two busy cores that took longer than the read timeout."""
    deadline = time.monotonic() + SETTLE_S
    while (response := api.request(method, path, **kwargs)).status_code in (429, 503):
        assert time.monotonic() < deadline, f"{method} {path}: {response.status_code}"
        time.sleep(0.2)
    return response.raise_for_status().json()


def seed(api: httpx.Client) -> tuple[str, list[dict[str, Any]]]:
    """A fresh space with two ingested turns, every read of the checks run
    once (planned); returns the space and its facts."""
    space = f"f-{uuid.uuid4().hex[:8]}"
    accepted = settled(api, "POST", "/v1/episodes", json={"space": space, "episodes": TURNS})
    job = finished(api, accepted["job_id"])
    assert (job["done"], job["failed"]) == (2, 0), job
    settled(api, "POST", "/v1/search", json={"space": space, "query": "Lisbon"})
    facts: list[dict[str, Any]] = settled(api, "GET", "/v1/facts", params={"space": space})["items"]
    assert facts
    return space, facts


def finished(api: httpx.Client, job_id: str) -> dict[str, Any]:
    """The job once finished (within :data:`SETTLE_S` s)."""
    deadline = time.monotonic() + SETTLE_S
    while not (job := settled(api, "GET", f"/v1/jobs/{job_id}"))["finished"]:
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    return job  # type: ignore[no-any-return]


async def test_an_open_whose_schema_set_up_failed_sets_it_up_again(
    neo4j: PrivateNeo4j, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Neo4j went away between the connectivity check and the schema: the
    # runtime retries open(), which must not take the half-open driver for done.
    store = Neo4jStore(neo4j.url, "neo4j", PASSWORD)
    real_run = store._run
    ran: list[str] = []

    async def first_fails(query: LiteralString, params: Row, *, write: bool) -> list[Row]:
        ran.append(query)
        if len(ran) == 1:
            raise StoreUnavailable("Neo4j unreachable: gone in the middle of the schema")
        return await real_run(query, params, write=write)

    monkeypatch.setattr(store, "_run", first_fails)
    with pytest.raises(StoreUnavailable):
        await store.open()
    try:
        await store.open()
        schema = list(store.cypher.statements("schema"))
        assert ran == [schema[0], *schema], "the retried open() skipped the schema"
        await store.ping()
    finally:
        await store.close()


async def test_a_pool_wait_shorter_than_a_connect_still_connects(neo4j: PrivateNeo4j) -> None:
    # The driver's acquisition deadline bounds opening a connection too; were
    # it the pool wait, no connection could be opened in 1 ms and every call
    # would answer 429 (as the pool test on Neo4j did under load with 2 s).
    limits = StoreLimits(pool_size=1, pool_timeout_s=0.001)
    store = Neo4jStore(neo4j.url, "neo4j", PASSWORD, limits=limits)
    try:
        await store.open()
        await store.ping()
    finally:
        await store.close()


def test_sigstop_of_neo4j_is_a_quick_503_and_recovers_after_sigcont(
    tmp_path: Path, neo4j: PrivateNeo4j
) -> None:
    with running(neo4j.settings(tmp_path / "data")) as (api, _):
        space, facts = seed(api)
        os.kill(neo4j.pid, signal.SIGSTOP)
        try:
            first, first_s = timed_get(api, "/v1/facts", space=space)
            health, health_s = timed_get(api, "/healthz")
            later, later_s = timed_get(api, "/v1/facts", space=space)
        finally:
            os.kill(neo4j.pid, signal.SIGCONT)
        continued = time.monotonic()
        for response, took in ((first, first_s), (later, later_s)):
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"].isdigit()
            assert response.json()["error"]["code"] == "unavailable"
            assert took < READ_TIMEOUT_S + MARGIN_S, f"a request took {took:.1f} s"
        assert health.status_code == 503
        assert health_s < HEALTH_S, f"/healthz took {health_s:.2f} s"
        seen = until_recovered(api, space, limit_s=60)
        recovery_s = time.monotonic() - continued
        assert settled(api, "GET", "/v1/facts", params={"space": space})["items"] == facts
        assert api.get("/healthz").status_code == 200
    print(
        "\n"
        + json.dumps(
            {
                "cpu_count": os.cpu_count(),
                "fault": "neo4j SIGSTOP",
                "read_timeout_s": READ_TIMEOUT_S,
                "first_503_s": round(first_s, 2),
                "later_503_s": round(later_s, 2),
                "healthz_503_s": round(health_s, 3),
                "sigcont_to_recovered_s": round(recovery_s, 2),
                "answers_after_sigcont": dict(seen),
            }
        )
    )


def test_kill_9_of_neo4j_is_503_then_recovers_without_loss(
    tmp_path: Path, neo4j: PrivateNeo4j
) -> None:
    episodes = [
        {"speaker": "Ann", "content": f"On day {i} I met Bob {i} in Porto."} for i in range(8)
    ]
    with running(neo4j.settings(tmp_path / "data")) as (api, _):
        space, facts = seed(api)
        # Accepted just before the kill: the worker is mid-batch when Neo4j dies.
        body = {"space": space, "episodes": episodes}
        job_id = settled(api, "POST", "/v1/episodes", json=body)["job_id"]
        killed = time.monotonic()
        neo4j.kill()
        down = down_answers(api, space, seconds=5.0)
        # Started again in a thread, as an operator would; requests meanwhile
        # must stay quick 503s (until_recovered checks each one).
        restart_s: list[float] = []
        restarter = threading.Thread(
            target=lambda: (neo4j.start(), restart_s.append(time.monotonic()))
        )
        restarter.start()
        try:
            seen = until_recovered(api, space, limit_s=local_neo4j.START_TIMEOUT_S + 60)
        finally:
            restarter.join()
        recovered = time.monotonic()
        assert restart_s, "Neo4j did not start again"
        assert settled(api, "GET", "/v1/facts", params={"space": space})["items"] == facts
        job = finished(api, job_id)
        assert (job["done"], job["failed"], job["stuck"]) == (len(episodes), 0, 0), job
        all_done = time.monotonic()
        assert api.get("/healthz").status_code == 200
    print(
        "\n"
        + json.dumps(
            {
                "cpu_count": os.cpu_count(),
                "fault": "neo4j kill -9",
                "answers_while_down": down,
                "neo4j_restart_s": round(restart_s[0] - killed, 1),
                "neo4j_ready_to_recovered_s": round(recovered - restart_s[0], 2),
                "kill_to_recovered_s": round(recovered - killed, 1),
                "recovered_to_batch_done_s": round(all_done - recovered, 1),
                "answers_until_recovered": dict(seen),
            }
        )
    )


def down_answers(api: httpx.Client, space: str, seconds: float) -> dict[str, float]:
    """Ask for facts, a search and /healthz for ``seconds`` s while Neo4j is
    dead: each a 503 with Retry-After, the slowest times returned."""
    slowest = {"facts_s": 0.0, "search_s": 0.0, "healthz_s": 0.0}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        search = api.post("/v1/search", json={"space": space, "query": "Lisbon"})
        search_s = time.monotonic() - t0
        facts, facts_s = timed_get(api, "/v1/facts", space=space)
        health, health_s = timed_get(api, "/healthz")
        for response in (search, facts, health):
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"].isdigit()
        assert max(search_s, facts_s) < READ_TIMEOUT_S + MARGIN_S
        assert health_s < HEALTH_S, f"/healthz took {health_s:.2f} s"
        for key, took in (("facts_s", facts_s), ("search_s", search_s), ("healthz_s", health_s)):
            slowest[key] = round(max(slowest[key], took), 3)
        time.sleep(0.2)
    return slowest

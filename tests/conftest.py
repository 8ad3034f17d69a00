"""Shared fixtures: the real FastAPI app served over HTTP by uvicorn."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from deploy.neo4j import local as local_neo4j
from fastapi import FastAPI
from typer.testing import CliRunner

from kenning.api.app import create_app
from kenning.cli import app as cli
from kenning.config import Settings, load_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

#: LoCoMo lives beside the repository, never inside it (``KENNING_TEST_LOCOMO``
#: names it for a checkout elsewhere, e.g. a git worktree).
LOCOMO = Path(
    os.environ.get("KENNING_TEST_LOCOMO")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data" / "locomo" / "locomo_dev.json"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve(
    settings: Settings,
    ready_path: str = "/healthz",
    ready_status: int = 200,
    app: FastAPI | None = None,
) -> Iterator[str]:
    """Run the app (``app``, or one built from ``settings``) with uvicorn in a
    thread; yields its base URL.

    Waits (up to 600 s: models load on first use, slowly on a busy machine)
    until ``ready_path`` answers ``ready_status``, and shuts the server down
    cleanly afterwards.
    """
    port = free_port()
    config = uvicorn.Config(
        app or create_app(settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:
        try:
            if httpx.get(url + ready_path, timeout=5).status_code == ready_status:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"app at {url} did not become ready")
        time.sleep(0.2)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def eventually(check: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    """``check()``'s first truthy answer, polled (background work lands later)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def wait_for_job(client: httpx.Client, job_id: str, timeout_s: float = 300) -> dict[str, object]:
    """Poll ``GET /v1/jobs/{id}`` until finished; returns the last status."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, object] = client.get(f"/v1/jobs/{job_id}").raise_for_status().json()
        if job["finished"]:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s")


@dataclass(frozen=True)
class Neo4jServer:
    """Where the session's Neo4j answers, and how it was provided."""

    url: str
    user: str
    password: str
    #: ``env`` (KENNING_TEST_NEO4J_URL), ``testcontainers`` or ``local``.
    source: str
    browser_url: str | None = None


NEO4J_IMAGE = "neo4j:5.26"
NEO4J_SKIP = "no Java, no Docker engine and KENNING_TEST_NEO4J_URL unset"


def _docker_available() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env().ping()
    except Exception:  # no SDK, no socket, no permission: all mean "no Docker"
        return False
    return True


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jServer]:
    """A Neo4j 5.26 server for the session, or skip with the reason.

    In order: the server at ``KENNING_TEST_NEO4J_URL`` (user and password from
    ``KENNING_TEST_NEO4J_USER`` / ``_PASSWORD``); a ``neo4j:5.26``
    testcontainer when a Docker engine answers; else, with Java present, the
    local Community server of ``deploy/neo4j`` on free ports with a throwaway
    home, stopped at the end of the session.
    """
    url = os.environ.get("KENNING_TEST_NEO4J_URL")
    if url:
        user = os.environ.get("KENNING_TEST_NEO4J_USER", "neo4j")
        password = os.environ.get("KENNING_TEST_NEO4J_PASSWORD", "neo4j")
        yield Neo4jServer(url, user, password, "env")
        return
    if _docker_available():
        from testcontainers.community.neo4j import Neo4jContainer

        password = "kenning-contract"
        with Neo4jContainer(NEO4J_IMAGE, password=password) as container:
            yield Neo4jServer(container.get_connection_url(), "neo4j", password, "testcontainers")
        return
    if shutil.which("java") is None:
        pytest.skip(NEO4J_SKIP)
    home = tmp_path_factory.mktemp("neo4j")
    server = local_neo4j.start(home, free_port(), free_port(), password="kenning-test")
    try:
        yield Neo4jServer(server.bolt_url, "neo4j", server.password, "local", server.browser_url)
    finally:
        local_neo4j.stop(home)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded FalkorDB data dir of the session's app."""
    return tmp_path_factory.mktemp("kenning")


#: The engines the API, GraphQL, temporal and LoCoMo suites run on, once each
#: (as graphiti runs its suites over its drivers); ids give ``[falkordb]`` /
#: ``[neo4j]``, and ``-m "not neo4j"`` leaves the Neo4j half out.
ENGINES = ["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The engine of the session's app: ``falkordb`` (embedded) or ``neo4j``."""
    value: str = request.param
    return value


def settings_on(
    engine: str, data_dir: Path, request: pytest.FixtureRequest, **overrides: object
) -> Settings:
    """Settings of an app on ``engine``: the embedded FalkorDB in ``data_dir``
    (one app per data dir), or the session's Neo4j (``neo4j_server``; skips
    with its reason when there is none), with ``overrides`` (setting names)
    on top. Apps on Neo4j share its one database."""
    if engine == "falkordb":
        return load_settings(data_dir=data_dir, **overrides)
    server: Neo4jServer = request.getfixturevalue("neo4j_server")
    on_neo4j: dict[str, object] = dict(
        data_dir=data_dir,
        graph_url=server.url,
        neo4j_user=server.user,
        neo4j_password=server.password,
        # The contract suite's tenants share this database: their pending
        # episodes are theirs to claim, not this app's worker's.
        worker_tenants=("default",),
        # A cold JVM plans each query on its first run; on two busy cores the
        # first searches took more than the 5 s default read timeout.
        store_read_timeout_s=30,
    )
    return load_settings(**{**on_neo4j, **overrides})


@pytest.fixture(scope="session")
def engine_settings(engine: str, data_dir: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings of the session's app on ``engine`` (see :func:`settings_on`)."""
    return settings_on(engine, data_dir / engine, request)


@pytest.fixture(scope="session")
def app_url(engine_settings: Settings) -> Iterator[str]:
    """Base URL of the real app on the session's engine (one per engine)."""
    with serve(engine_settings) as url:
        yield url


@pytest.fixture
def api(app_url: str) -> Iterator[httpx.Client]:
    """An HTTP client for the session's app."""
    with httpx.Client(base_url=app_url, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def conv26_import(app_url: str) -> str:
    """LoCoMo conv-26 imported once per session and engine with `kenning
    import locomo` into the session's app (space ``conv-26``); returns the
    CLI's output."""
    if not LOCOMO.exists():
        pytest.skip(f"LoCoMo data not found at {LOCOMO}")
    result = CliRunner().invoke(
        cli,
        ["import", "locomo", str(LOCOMO), "--conversation", "conv-26"],
        env={"KENNING_URL": app_url},
    )
    assert result.exit_code == 0, result.output
    return result.output


# -- per-engine counts in the terminal summary ----------------------------------

#: node id → (engine, outcome); a failure in any phase overrides a pass.
_OUTCOMES: dict[str, tuple[str, str]] = {}


def _engine_of(item: pytest.Item) -> str:
    """``falkordb`` / ``neo4j`` for a test run on one engine, else ``any``."""
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec else ():
        if value in ("falkordb", "neo4j"):
            return str(value)
    return "neo4j" if item.get_closest_marker("neo4j") else "any"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Record each test's outcome under its engine (see pytest_terminal_summary)."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.failed:
        kind = "failed"
    elif report.skipped and hasattr(report, "wasxfail"):  # pytest's xfail is a skip
        kind = "xfailed"
    elif report.skipped:
        kind = "skipped"
    elif report.when == "call":
        kind = "passed"
    else:
        return
    if _OUTCOMES.get(item.nodeid, ("", ""))[1] != "failed":
        _OUTCOMES[item.nodeid] = (_engine_of(item), kind)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Per-engine passed/failed/skipped counts, so the CI log shows that both
    engines ran (``any``: tests that are about no one engine)."""
    if not _OUTCOMES:
        return
    counts: dict[str, Counter[str]] = {}
    for engine, kind in _OUTCOMES.values():
        counts.setdefault(engine, Counter())[kind] += 1
    terminalreporter.section("per engine")
    for engine in sorted(counts):
        c = counts[engine]
        terminalreporter.write_line(
            f"{engine:>8}: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"
            + (f", {c['xfailed']} xfailed" if c["xfailed"] else "")
        )

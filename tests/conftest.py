"""Shared fixtures: the real FastAPI app served over HTTP by uvicorn."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from kenning.api.app import create_app
from kenning.cli import app as cli
from kenning.config import Settings, load_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

#: LoCoMo lives beside the repository, never inside it.
LOCOMO = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "locomo" / "locomo_dev.json"
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

    Waits (up to 120 s: models load on first use) until ``ready_path`` answers
    ``ready_status``, and shuts the server down cleanly afterwards.
    """
    port = free_port()
    config = uvicorn.Config(
        app or create_app(settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
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


def wait_for_job(client: httpx.Client, job_id: str, timeout_s: float = 300) -> dict[str, object]:
    """Poll ``GET /v1/jobs/{id}`` until finished; returns the last status."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, object] = client.get(f"/v1/jobs/{job_id}").raise_for_status().json()
        if job["finished"]:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded FalkorDB data dir of the session's app."""
    return tmp_path_factory.mktemp("kenning")


@pytest.fixture(scope="session")
def app_url(data_dir: Path) -> Iterator[str]:
    """Base URL of the real app on the embedded engine (one per test session)."""
    with serve(load_settings(data_dir=data_dir)) as url:
        yield url


@pytest.fixture
def api(app_url: str) -> Iterator[httpx.Client]:
    """An HTTP client for the session's app."""
    with httpx.Client(base_url=app_url, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def conv26_import(app_url: str) -> str:
    """LoCoMo conv-26 imported once per session with `kenning import locomo`
    into the session's app (space ``conv-26``); returns the CLI's output."""
    if not LOCOMO.exists():
        pytest.skip(f"LoCoMo data not found at {LOCOMO}")
    result = CliRunner().invoke(
        cli,
        ["import", "locomo", str(LOCOMO), "--conversation", "conv-26"],
        env={"KENNING_URL": app_url},
    )
    assert result.exit_code == 0, result.output
    return result.output

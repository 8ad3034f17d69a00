"""Which graph engine a benchmark runs on, and the memory its processes used.

``falkordb`` is the embedded FalkorDB in the benchmark's data dir (its
redis-server writes ``falkordb.pid`` there). ``neo4j`` is the server at
``KENNING_BENCH_NEO4J_URL`` (user and password from ``KENNING_BENCH_NEO4J_USER``
/ ``_PASSWORD``; its memory is not measured) or else the local Neo4j 5.26 of
``deploy/neo4j``, started on free ports with its home in the data dir and
stopped at the end. ``both`` runs the benchmark once per engine, each in its
own process so that each peak RSS is that engine's alone.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from deploy.neo4j import local as local_neo4j  # noqa: E402

ENGINES = ("falkordb", "neo4j")
CHOICES = (*ENGINES, "both")


@dataclass
class Target:
    """Where the graph lives: ``settings`` are ``load_settings`` keywords."""

    engine: str
    settings: dict[str, Any] = field(default_factory=dict)
    #: The database process, for its peak RSS; None when not ours to measure.
    db_pid: int | None = None
    pid_file: Path | None = None

    def database_pid(self) -> int | None:
        """The database's process id (the embedded one writes it at start)."""
        if self.db_pid is None and self.pid_file is not None:
            try:
                self.db_pid = int(self.pid_file.read_text().strip())
            except (OSError, ValueError):
                return None
        return self.db_pid


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def target(engine: str, data_dir: Path) -> Iterator[Target]:
    """The graph of ``engine`` for a benchmark whose files go in ``data_dir``.

    Raises:
        RuntimeError: the local Neo4j could not be built or started.
    """
    if engine == "falkordb":
        yield Target(engine, {"data_dir": data_dir}, pid_file=data_dir / "falkordb.pid")
        return
    url = os.environ.get("KENNING_BENCH_NEO4J_URL")
    if url:
        user = os.environ.get("KENNING_BENCH_NEO4J_USER", "neo4j")
        password = os.environ.get("KENNING_BENCH_NEO4J_PASSWORD", "")
        yield Target(engine, _neo4j(url, user, password, data_dir))
        return
    home = data_dir / "neo4j"
    print(f"starting the local Neo4j in {home} ...", file=sys.stderr)
    server = local_neo4j.start(home, _free_port(), _free_port(), password="kenning-bench")
    try:
        settings = _neo4j(server.bolt_url, "neo4j", server.password, data_dir)
        yield Target(engine, settings, db_pid=server.pid)
    finally:
        local_neo4j.stop(home)


def run_on(
    engine: str, data_dir: Path | None, work: Callable[[Target], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """Run ``work`` on the graph of ``engine`` (see :func:`target`), its files in
    ``data_dir`` (kept) or, when None, in a temporary folder removed after."""
    with tempfile.TemporaryDirectory() as tmp, target(engine, data_dir or Path(tmp)) as where:
        return asyncio.run(work(where))


def emit(result: dict[str, Any], out: Path | None) -> None:
    """Print ``result`` as JSON and, when ``out`` is given, write it there too."""
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if out:
        out.write_text(text + "\n")


def _neo4j(url: str, user: str, password: str, data_dir: Path) -> dict[str, Any]:
    return {"graph_url": url, "neo4j_user": user, "neo4j_password": password, "data_dir": data_dir}


def peak_rss_mb(where: Target) -> dict[str, float | None]:
    """Peak resident memory (MB) of this process (Kenning) and of the database
    process (``VmHWM`` of the redis-server or the Neo4j JVM; None if unknown)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    db = None
    pid = where.database_pid()
    if pid is not None:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmHWM:\s+(\d+)", status)
            db = int(match.group(1)) / 1024 if match else None
        except OSError:
            pass
    return {"kenning": round(own, 1), where.engine: round(db, 1) if db else None}


def run_each(argv: list[str], out: Path) -> dict[str, Any]:
    """Run this benchmark script once per engine in its own process
    (``--engine X --out <out>-X.json``); returns their JSON by engine.

    Raises:
        subprocess.CalledProcessError: a run failed.
    """
    results = {}
    for engine in ENGINES:
        path = out.with_name(f"{out.stem}-{engine}.json")
        cmd = [sys.executable, sys.argv[0], *argv, "--engine", engine, "--out", str(path)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        results[engine] = json.loads(path.read_text())
    return results


def strip_engine_args(argv: list[str]) -> list[str]:
    """``argv`` without ``--engine X`` and ``--out X`` (set per run by :func:`run_each`)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--engine", "--out"):
            skip = True
        elif not arg.startswith(("--engine=", "--out=")):
            kept.append(arg)
    return kept

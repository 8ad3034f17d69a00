"""Ownership of the embedded server's data dir: where its socket goes, the
lock that makes one Kenning process its owner, and clearing what an earlier
owner left behind.

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
import contextlib
import fcntl
import hashlib
import logging
import os
import signal
import stat
import sys
import time
from pathlib import Path

import redis.exceptions

from kenning.errors import StoreError
from kenning.store.falkordb.probe import POLL_SECONDS, Probe, one_shot_client, probe

log = logging.getLogger(__name__)

SOCKET_NAME = "falkordb.sock"
PID_NAME = "falkordb.pid"
LOCK_NAME = "falkordb.lock"

#: Longest unix socket path in bytes: ``sun_path`` is 108 bytes on Linux and
#: 104 on macOS/BSD, one of which is the terminating NUL.
MAX_SOCKET_PATH_BYTES = 107 if sys.platform.startswith("linux") else 103


def socket_path_for(data_dir: Path) -> Path:
    """Return the unix socket path the embedded server uses for ``data_dir``.

    Normally ``data_dir/falkordb.sock``. Unix socket paths are limited to
    :data:`MAX_SOCKET_PATH_BYTES` bytes, so when that path is too long the socket
    goes to ``/tmp/kenning-<uid>/<hash>.sock`` instead, where ``<hash>`` is the
    first 16 hex digits of the SHA-256 of the resolved data dir. We fall back
    rather than fail because a deep data dir is a legitimate choice and the
    socket is only a rendezvous point: the data stays in ``data_dir``. The same
    data dir always maps to the same socket, and the directory is private
    (mode 0700, checked by
    :class:`~kenning.store.falkordb.server.EmbeddedFalkorDB` before use).

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


def prepare_dir(path: Path, *, private_check: bool = False) -> None:
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


def acquire_lock(data_dir: Path) -> int:
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


async def clear_leftovers(data_dir: Path, socket: Path, stop_timeout: float) -> None:
    """Stop an orphaned server and remove a stale socket and pid file.

    Runs with the lock held, so nothing found here belongs to a live Kenning.
    """
    # The Path calls below are quick local file operations, run on the event
    # loop as they were when this was a method of EmbeddedFalkorDB.
    pid_file = data_dir / PID_NAME
    pid = _read_pid(pid_file)
    if socket.exists() and await probe(socket) is not Probe.NOTHING:  # noqa: ASYNC240
        log.warning(
            "a FalkorDB server (pid %s) left by an earlier Kenning is serving %s; "
            "shutting it down to start a fresh one",
            pid if pid is not None else "unknown",
            data_dir,
        )
        await _shutdown_orphan(socket, pid, stop_timeout)
    elif pid is not None and _is_our_server(pid, socket):
        log.warning("a FalkorDB server (pid %d) is not answering; killing it", pid)
        await _terminate_pid(pid, stop_timeout)
    socket.unlink(missing_ok=True)  # noqa: ASYNC240
    pid_file.unlink(missing_ok=True)


async def _shutdown_orphan(socket: Path, pid: int | None, stop_timeout: float) -> None:
    """Ask the server on our socket to SHUTDOWN, then wait for it to go."""
    client = one_shot_client(socket)
    try:
        await client.shutdown()
    except (redis.exceptions.RedisError, OSError) as exc:
        log.warning("SHUTDOWN of orphaned FalkorDB failed: %s", exc)
    finally:
        await client.aclose()
    deadline = time.monotonic() + stop_timeout
    while time.monotonic() < deadline:
        pid_gone = pid is None or not _is_our_server(pid, socket)
        if pid_gone and await probe(socket) is Probe.NOTHING:
            return
        await asyncio.sleep(POLL_SECONDS)
    if pid is not None and _is_our_server(pid, socket):
        await _terminate_pid(pid, stop_timeout)
        return
    raise StoreError(
        f"could not stop the orphaned FalkorDB server on {socket} "
        f"(pid {pid if pid is not None else 'unknown'}); stop it by hand"
    )


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
            await asyncio.sleep(POLL_SECONDS)
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
    raise StoreError(f"could not stop the orphaned FalkorDB server pid {pid}")

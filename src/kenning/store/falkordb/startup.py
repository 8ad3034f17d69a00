"""Waiting for a starting embedded server: ready, still loading, or stuck.

FalkorDB rebuilds its vector and full-text indexes while it loads its files
and answers nothing meanwhile (a 100k-fact graph: 176 s on the 2-core
development machine), so silence alone does not mean a start-up deadlock.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kenning.errors import StoreError, StoreUnavailable
from kenning.store.falkordb.probe import POLL_SECONDS, Probe, probe

log = logging.getLogger(__name__)

#: Seconds between two "still loading" log lines while the server reads its files.
LOADING_LOG_S = 10.0


@dataclass(frozen=True, slots=True)
class StartLimits:
    """How long a start may take (seconds).

    Attributes:
        start_timeout: Silence from an idle server that counts as stuck.
        load_timeout: The longest start while the server loads its files.
        probe_timeout: One PING's wait for an answer.
    """

    start_timeout: float
    load_timeout: float
    probe_timeout: float


async def wait_ready(
    popen: subprocess.Popen[bytes],
    socket: Path,
    data_dir: Path,
    limits: StartLimits,
    log_tail: Callable[[], str],
) -> None:
    """Wait until the server answers PING.

    A server that answers ``LOADING``, or is silent while its CPU time grows,
    is reading its files: the wait restarts, up to ``limits.load_timeout`` in
    all. Only a silent, idle server for ``limits.start_timeout`` is stuck.
    The caller kills the process when this raises.

    Raises:
        StoreError: The server exited (the message carries ``log_tail()``).
        StoreUnavailable: It stayed silent and idle, or loaded for too long.
    """
    started = time.monotonic()
    deadline = started + limits.start_timeout
    told = started
    ticks = cpu_ticks(popen.pid)
    while True:
        code = popen.poll()
        if code is not None:
            raise StoreError(
                f"FalkorDB server exited with code {code} during start-up "
                f"(data dir {data_dir}). Log tail:\n{log_tail()}"
            )
        state = await probe(socket, limits.probe_timeout)
        if state is Probe.READY:
            return
        now, before, ticks = time.monotonic(), ticks, cpu_ticks(popen.pid)
        working = ticks is not None and before is not None and ticks > before
        if state is Probe.LOADING or working:
            if now - started >= limits.load_timeout:
                raise StoreUnavailable(
                    f"FalkorDB server was still loading {data_dir} after "
                    f"{limits.load_timeout:g} s. Log tail:\n{log_tail()}"
                )
            deadline = now + limits.start_timeout
            if now >= told + LOADING_LOG_S:
                told = now
                log.info("embedded FalkorDB still loading (%.0f s so far)", now - started)
        elif now >= deadline:
            raise StoreUnavailable(
                f"FalkorDB server did not answer PING on {socket} within "
                f"{limits.start_timeout:g} s. Log tail:\n{log_tail()}"
            )
        await asyncio.sleep(POLL_SECONDS)


def cpu_ticks(pid: int) -> int | None:
    """User + system CPU time of ``pid`` in clock ticks (None without /proc)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rpartition(")")[2].split()
    except (OSError, ValueError):
        return None
    # After the command name: state is field 3 of stat(5); utime, stime are 14, 15.
    return int(fields[11]) + int(fields[12])

"""Supervision of the embedded FalkorDB server: notice it died or hung, restart it.

:func:`watch` runs as a task beside a started
:class:`~kenning.store.falkordb.server.EmbeddedFalkorDB`. Every
``check_interval_s`` it reaps the child if it exited and PINGs the socket with
a short timeout. A server that exited, or that has not answered for
``hang_timeout_s`` (SIGSTOP, a deadlock), is killed and started again from its
files (the append-only file), with exponential back-off between restarts that
follow each other quickly. While it is known down — exited, restarting,
stopped by a signal (``/proc`` state ``T``), or silent for ``down_after_s`` —
the server reports ``answering = False``, so store calls fail at once with a
retryable error instead of waiting out their timeouts. A server that is
merely slow to answer PING (a large write holds its main thread; an
overloaded machine) is left alone for much longer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kenning.store.falkordb.probe import Pinger, Probe

if TYPE_CHECKING:
    from kenning.store.falkordb.server import EmbeddedFalkorDB

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Supervision:
    """When the supervisor calls the server down, and how it restarts it.

    Args:
        check_interval_s: Seconds between two checks.
        probe_timeout_s: Seconds one PING may take before it counts as silence.
        down_after_s: Seconds of silence of a running (not stopped) server
            after which calls fail at once (503); a stopped one fails at once.
        hang_timeout_s: Seconds of silence after which the server is killed and
            restarted. Long enough that a server busy with a large write (which
            holds its main thread) on a loaded machine is not killed for it.
        max_backoff_s: Longest wait before a restart (and between failed starts).
        stable_after_s: Seconds a restarted server must keep answering before
            the back-off starts again from zero.
    """

    check_interval_s: float = 0.5
    probe_timeout_s: float = 2.0
    down_after_s: float = 10.0
    hang_timeout_s: float = 20.0
    max_backoff_s: float = 30.0
    stable_after_s: float = 30.0

    def backoff(self, recent_restarts: int) -> float:
        """Seconds to wait before restart number ``recent_restarts + 1`` in a row."""
        if recent_restarts == 0:
            return 0.0
        return float(min(self.max_backoff_s, 0.5 * 2 ** (recent_restarts - 1)))


async def watch(server: EmbeddedFalkorDB, policy: Supervision) -> None:
    """Check ``server`` until cancelled; restart it when it exits or hangs."""
    pinger = Pinger(server.socket_path, policy.probe_timeout_s)
    try:
        await _watch(server, policy, pinger)
    finally:
        await pinger.close()


async def _watch(server: EmbeddedFalkorDB, policy: Supervision, pinger: Pinger) -> None:
    silent_since: float | None = None
    recent_restarts = 0
    restarted_at = time.monotonic()
    while True:
        await asyncio.sleep(policy.check_interval_s)
        code = server.reap()
        if code is not None:
            reason = f"exited with code {code}"
        else:
            started = time.monotonic()
            # A stopped process cannot answer: no need to wait out a PING.
            stopped = _stopped(server.pid)
            answered = not stopped and (await pinger.probe(server.socket_path) is not Probe.NOTHING)
            now = time.monotonic()
            if answered:
                silent_since = None
                server.mark_answering(True)
                if now - restarted_at >= policy.stable_after_s:
                    recent_restarts = 0
                continue
            silent_since = started if silent_since is None else silent_since
            if stopped or now - silent_since >= policy.down_after_s:
                server.mark_answering(False)
            if now - silent_since < policy.hang_timeout_s:
                continue
            reason = f"did not answer PING for {now - silent_since:.1f} s"
        server.mark_answering(False)
        delay = policy.backoff(recent_restarts)
        log.error(
            "embedded FalkorDB (pid %s) %s; restarting it from its files in %.1f s",
            server.pid,
            reason,
            delay,
        )
        await asyncio.sleep(delay)
        await pinger.close()  # its connection was to the old process
        try:
            await server.restart(policy.max_backoff_s)
        except Exception:  # the supervisor must outlive any one failure
            log.exception("restart of the embedded FalkorDB failed; checking again")
        recent_restarts += 1
        restarted_at = time.monotonic()
        silent_since = None


def _stopped(pid: int | None) -> bool:
    """True if ``pid`` is stopped by a signal or a tracer (``/proc`` state T or t)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            state = f.read().rpartition(")")[2].split()[:1]
    except (OSError, ValueError):
        return False  # no /proc (macOS): only silence tells
    return state in (["T"], ["t"])

"""Bounds on store calls: how many run at once, how long one waits, how long one runs.

Both engine adapters run every query through a :class:`CallGate`, so a burst
of requests queues for a connection instead of failing, and a store that
stops answering turns into a quick, retryable error instead of a hung request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from kenning.errors import StoreBusy, StoreUnavailable

T = TypeVar("T")

#: Connections each adapter keeps beyond ``pool_size`` for health checks and
#: the client's own follow-up commands, so those never wait behind queries.
RESERVED_CONNECTIONS = 4


@dataclass(frozen=True)
class StoreLimits:
    """Connection and time bounds for store calls.

    Defaults match the ``KENNING_STORE_*`` settings (see ``config.py``).

    Args:
        pool_size: Store calls that run at once (connections in use); more wait.
        pool_timeout_s: Longest wait for a free connection, in s; then
            :class:`StoreBusy` (HTTP 429).
        read_timeout_s: Longest run of a read query, in s; then
            :class:`StoreUnavailable` (HTTP 503).
        write_timeout_s: Longest run of a write query, in s; then
            :class:`StoreUnavailable`.
    """

    pool_size: int = 16
    pool_timeout_s: float = 2.0
    read_timeout_s: float = 5.0
    write_timeout_s: float = 30.0

    @property
    def connections(self) -> int:
        """Connections a driver pool may open: the gate's slots plus a reserve."""
        return self.pool_size + RESERVED_CONNECTIONS

    @property
    def socket_timeout_s(self) -> float:
        """A driver-level backstop, a little longer than any call may run."""
        return max(self.read_timeout_s, self.write_timeout_s) + 1.0


class CallGate:
    """Admits at most ``limits.pool_size`` store calls at once, each bounded in time.

    Safe for concurrent use from one event loop. Records when the store last
    answered, so a health check can skip a round-trip while the store is busy
    answering others.
    """

    def __init__(self, limits: StoreLimits) -> None:
        self.limits = limits
        self._slots = asyncio.Semaphore(limits.pool_size)
        #: Whether this task is inside :meth:`hold` (its queries share its slot).
        self._held: ContextVar[bool] = ContextVar("call_gate_held", default=False)
        self._last_answer = float("-inf")
        #: Calls waiting for a connection right now (for metrics).
        self.waiting = 0
        #: Calls that found every connection busy and had to wait, and the
        #: seconds they waited in all (for metrics: ``/metrics`` pool waits).
        self.waits = 0
        self.wait_seconds = 0.0

    def answered_within(self, seconds: float) -> bool:
        """True when a call succeeded less than ``seconds`` s ago."""
        return time.monotonic() - self._last_answer < seconds

    def record_answer(self) -> None:
        """Note that the store just answered (also used by direct pings)."""
        self._last_answer = time.monotonic()

    async def run(
        self, call: Callable[[], Awaitable[T]], *, write: bool, grace_s: float = 0.0
    ) -> T:
        """Run ``call`` once a connection is free, within the read or write
        timeout plus ``grace_s`` seconds (a query's first run on an engine that
        plans it then; see ``CypherStore.first_plan_grace_s``).

        Inside :meth:`hold` (the same task), ``call`` runs on the held
        connection: it takes no second slot, but keeps its own timeout.

        Raises:
            StoreBusy: no connection came free within ``pool_timeout_s``.
            StoreUnavailable: the call did not finish within its timeout (the
                call is cancelled; its connection is dropped by the driver),
                or ``call`` raised it.
        """
        if self._held.get():
            return await self._bounded(call, write=write, grace_s=grace_s)
        await self._acquire()
        try:
            return await self._bounded(call, write=write, grace_s=grace_s)
        finally:
            self._slots.release()

    async def hold(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call`` as one write call that makes several queries on one
        connection (a multi-query transaction): one slot for all of them, and
        the write timeout bounds the whole of ``call``. Queries that ``call``
        makes through :meth:`run` reuse the slot (so do tasks it starts: they
        inherit its context; it should await their queries itself).

        Raises:
            StoreBusy: no connection came free within ``pool_timeout_s``.
            StoreUnavailable: ``call`` did not finish within the write timeout,
                or raised it.
        """
        await self._acquire()
        token = self._held.set(True)
        try:
            return await self._bounded(call, write=True)
        finally:
            self._held.reset(token)
            self._slots.release()

    async def _bounded(
        self, call: Callable[[], Awaitable[T]], *, write: bool, grace_s: float = 0.0
    ) -> T:
        timeout = self.limits.write_timeout_s if write else self.limits.read_timeout_s
        timeout += grace_s
        try:
            async with asyncio.timeout(timeout):
                result = await call()
        except TimeoutError as exc:
            kind = "write" if write else "read"
            raise StoreUnavailable(
                f"the graph store did not answer a {kind} within {timeout:g} s"
            ) from exc
        self.record_answer()
        return result

    async def _acquire(self) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # a free slot: no wait to count
            return
        self.waiting += 1
        self.waits += 1
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.limits.pool_timeout_s):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise StoreBusy(
                f"all {self.limits.pool_size} store connections stayed busy for "
                f"{self.limits.pool_timeout_s:g} s"
            ) from exc
        finally:
            self.waiting -= 1
            self.wait_seconds += time.monotonic() - started

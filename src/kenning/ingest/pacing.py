"""Searches first: the ingest worker gives way while API requests run.

The worker's extraction (spaCy) and batch embedding run in the same process
as the API and hold the GIL and a core for long stretches; an API request
admitted meanwhile waits for both (``benchmarks/load.py``). Ingest is
asynchronous by contract (``202`` and a job), so under load the worker
takes small batches and waits, bounded, for a moment without requests
before each CPU step; an idle server ingests at full speed.
"""

from __future__ import annotations

import asyncio
import contextlib


class Foreground:
    """Counts the API requests in flight (admitted or waiting for a slot) and
    lets background work wait for a moment without any.

    Used from one event loop (the app's): the admission middleware calls
    :meth:`enter` and :meth:`leave`, the ingest worker :meth:`quiet`.
    """

    def __init__(self) -> None:
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def busy(self) -> bool:
        """Whether any API request is in flight now."""
        return self._active > 0

    def enter(self) -> None:
        """A request arrived (call :meth:`leave` when it is answered)."""
        self._active += 1
        self._idle.clear()

    def leave(self) -> None:
        """A request that :meth:`enter` counted was answered or shed."""
        self._active = max(0, self._active - 1)
        if self._active == 0:
            self._idle.set()

    async def quiet(self, max_wait_s: float) -> bool:
        """Wait until no request is in flight, at most ``max_wait_s`` s (so
        background work still advances under constant load).

        Returns:
            True if the moment was quiet, False if the wait ran out.
        """
        if not self.busy:
            return True
        if max_wait_s <= 0:
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), max_wait_s)
            return True
        return False

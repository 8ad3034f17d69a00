"""Admission control: a bounded number of API requests in flight, a short queue,
then 429 — so load beyond what the machine can serve is shed quickly instead
of slowing every request down.

Work per request is mostly CPU (query embedding, fusion, the graph engine),
so past a few requests per core more concurrency only adds latency.
``/healthz`` and the docs are never queued.
"""

from __future__ import annotations

import asyncio
import json
import os

from starlette.types import ASGIApp, Receive, Scope, Send

from kenning.api.errors import error_body
from kenning.ingest.pacing import Foreground

#: Paths under admission control (the API proper).
#: ``/mcp`` is not: a tool call may wait (``wait_s``, up to 2 min) for
#: extraction or agent runs, and would hold a slot all that time.
ADMITTED_PREFIXES = ("/v1/", "/graphql")
#: Seconds a shed client should wait before retrying.
RETRY_AFTER_S = 1


def default_limit() -> int:
    """Requests in flight when ``KENNING_MAX_CONCURRENT_REQUESTS`` is 0: one
    per CPU core, at least 2. A search is mostly CPU here (embedding, fusion,
    the embedded engine) and its Python part runs on the one event loop, so
    an admitted one takes about ``limit`` times its idle time once the
    machine is busy: ``benchmarks/load.py`` measured search p95 at 10 clients
    6.8x idle with 4 in flight and 3.9x with 2, answering more searches per
    second (2 cores, load average ~27)."""
    return max(2, os.cpu_count() or 1)


class Admission:
    """ASGI middleware: at most ``limit`` admitted requests run at once; at
    most ``limit`` more wait, each up to ``wait_s`` s, for a slot; the rest,
    and those whose wait ran out, get 429 with ``Retry-After`` at once.

    The queue is as long as the number of slots, so an admitted request has
    waited at most about one request's time: a longer queue would only
    add its wait to every answer while the machine is saturated, and the
    clients it would hold are better told to come back (``Retry-After``).

    Args:
        app: The wrapped ASGI app.
        limit: Requests in flight; 0 turns admission control off.
        wait_s: Longest wait for a slot, in s.
        foreground: Told of every request under admission control from its
            arrival to its answer (or 429), so the ingest worker gives way
            (:mod:`kenning.ingest.pacing`); default: nobody.
    """

    def __init__(
        self, app: ASGIApp, limit: int, wait_s: float, foreground: Foreground | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.wait_s = wait_s
        self.foreground = foreground or Foreground()
        self._slots = asyncio.Semaphore(limit) if limit > 0 else None
        #: Requests waiting for a slot now.
        self._waiting = 0
        #: Requests refused with 429 so far (for metrics).
        self.shed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Admit, queue or shed one request."""
        slots = self._slots
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(ADMITTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        self.foreground.enter()
        try:
            await self._admit(slots, scope, receive, send)
        finally:
            self.foreground.leave()

    async def _admit(
        self, slots: asyncio.Semaphore | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if slots is None:
            await self.app(scope, receive, send)
            return
        if not await self._slot(slots):
            self.shed += 1
            await _drain(receive)
            await _too_many(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _slot(self, slots: asyncio.Semaphore) -> bool:
        """Take a slot: at once, or after queueing up to ``wait_s`` s behind
        at most ``limit - 1`` others; False when shed."""
        if not slots.locked():
            await slots.acquire()
            return True
        if self._waiting >= self.limit:
            return False
        self._waiting += 1
        try:
            async with asyncio.timeout(self.wait_s):
                await slots.acquire()
            return True
        except TimeoutError:
            return False
        finally:
            self._waiting -= 1


async def _drain(receive: Receive) -> None:
    # Read the unread body first, so the keep-alive connection stays usable
    # for the client's next request (an unread body makes the server close it).
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _too_many(send: Send) -> None:
    body = json.dumps(error_body("busy", "the server is busy; retry shortly")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_S).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})

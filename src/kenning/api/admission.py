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
    """Requests in flight when ``KENNING_MAX_CONCURRENT_REQUESTS`` is 0: two
    per CPU core, at least 4. A search is mostly CPU here (embedding, fusion,
    the embedded engine), so an accepted one then takes about twice its idle
    time; with 4 per core, ``benchmarks/load.py`` measured 8x idle at 10 clients."""
    return max(4, 2 * (os.cpu_count() or 1))


class Admission:
    """ASGI middleware: at most ``limit`` admitted requests run at once; others
    wait up to ``wait_s`` s for a slot, then get 429 with ``Retry-After``.

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
        try:
            async with asyncio.timeout(self.wait_s):
                await slots.acquire()
        except TimeoutError:
            self.shed += 1
            await _drain(receive)
            await _too_many(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()


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

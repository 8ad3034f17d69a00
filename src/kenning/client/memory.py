"""What a wrapped LLM client does around each call, provider aside: recall
under a deadline, and record in the background. Every method here is
fail-open: Kenning down, slow or refusing never raises into the caller."""

from __future__ import annotations

import asyncio
import atexit
import logging
import uuid
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kenning.api.rest.schemas import ContextResponse
from kenning.client import calls
from kenning.client.aio import AsyncKenning
from kenning.client.calls import Call
from kenning.client.http import Options
from kenning.client.recorder import Recorder
from kenning.client.sync import Kenning
from kenning.domain.rules import QUERY_MAX_CHARS

log = logging.getLogger(__name__)

#: Characters of a recorded turn kept: KENNING_MAX_CONTENT_CHARS's default.
MAX_CONTENT_CHARS = 20_000
#: The line above the recalled block in the system prompt.
MEMORY_HEADER = (
    "Relevant long-term memory about this user (from Kenning; may be incomplete or out of date):"
)


@dataclass(frozen=True, slots=True)
class WrapOptions:
    """How a wrapped client uses memory; every field but ``space`` has a default.

    Attributes:
        space: Whose memory (a user id).
        session: A conversation id, recorded as the episodes' ``run_id`` tag.
        deadline_ms: Longest wait for recall before the call goes ahead
            without memory (default 300 ms).
        token_budget: Most tokens of the injected block (default 800).
        max_items: Search results the block is built from (default 20).
        speaker: The user's name on recorded user turns (None: unnamed).
        assistant: The assistant's name on recorded answers.
        app_id: The ``app_id`` tag of recorded episodes.
        recall: Inject memory before each call.
        record: Record each exchange after it.
        queue_turns: Most turns kept while Kenning is away (default 1000).
        queue_path: A file mirroring that queue (None: memory only).
        header: The line above the block in the system prompt.
    """

    space: str
    session: str | None = None
    deadline_ms: float = 300.0
    token_budget: int = 800
    max_items: int = 20
    speaker: str | None = None
    assistant: str = "assistant"
    app_id: str | None = None
    recall: bool = True
    record: bool = True
    queue_turns: int = 1000
    queue_path: Path | None = None
    header: str = MEMORY_HEADER

    def per_call(self, overrides: Any) -> WrapOptions:
        """These options with a call's ``kenning={...}`` overrides (``space``,
        ``session``, ``recall``, ``record``, ``speaker``, ...); unknown keys
        are ignored with a warning rather than failing the LLM call."""
        if not overrides:
            return self
        known = {k: v for k, v in dict(overrides).items() if k in self.__dataclass_fields__}
        if len(known) != len(overrides):
            log.warning(
                "kenning: unknown per-call options ignored: %s", set(overrides) - set(known)
            )
        return replace(self, **known)


class Memory:
    """Recall and recording for one wrapped client.

    Recall asks ``POST /v1/context`` with one try and the deadline as the
    request timeout; the sync path also waits on a worker thread at most
    ``deadline_ms``, so a server that accepts and never answers costs the
    caller the deadline, not more. Recording goes through a
    :class:`~kenning.client.recorder.Recorder`.
    """

    def __init__(self, connection: Options, options: WrapOptions) -> None:
        self.options = options
        # One try: a retry cannot fit in a recall deadline.
        self._recall_options = replace(connection, attempts=1)
        self._sync: Kenning | None = None
        self._async: tuple[asyncio.AbstractEventLoop, AsyncKenning] | None = None
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kenning-recall")
        sender = Kenning(connection.url, connection.api_key, timeout_s=10.0, attempts=1)
        self._sender = sender
        self.recorder = Recorder(
            lambda space, episodes: _post(sender, space, episodes),
            max_turns=options.queue_turns,
            path=options.queue_path,
        )
        # A short script's last turns are still sent before the interpreter exits.
        atexit.register(_close_at_exit, weakref.ref(self))

    def recall(self, options: WrapOptions, query: str) -> str | None:
        """The block to inject for ``query``, or None (nothing found, Kenning
        down, slow past the deadline, or refusing)."""
        if not options.recall or not query:
            return None
        future: Future[ContextResponse] | None = None
        try:
            client = self._sync_client()
            future = self._pool.submit(client._run, _context_call(options, query))
            found = future.result(timeout=options.deadline_ms / 1000)
        except FutureTimeout:
            # Still queued behind hung recalls: it need not run at all.
            if future is not None:
                future.cancel()
            log.info("kenning: recall passed its %.0f ms deadline; no memory", options.deadline_ms)
            return None
        except Exception as exc:  # fail-open: any failure means "no memory"
            log.info("kenning: recall failed (%s); no memory", exc)
            return None
        self.recorder.nudge()
        return self._block(options, found.context)

    async def arecall(self, options: WrapOptions, query: str) -> str | None:
        """:meth:`recall` for asyncio callers (cancelled at the deadline)."""
        if not options.recall or not query:
            return None
        try:
            client = self._async_client()
            found = await asyncio.wait_for(
                client._run(_context_call(options, query)), timeout=options.deadline_ms / 1000
            )
        except TimeoutError:
            log.info("kenning: recall passed its %.0f ms deadline; no memory", options.deadline_ms)
            return None
        except Exception as exc:  # fail-open
            log.info("kenning: recall failed (%s); no memory", exc)
            return None
        self.recorder.nudge()
        return self._block(options, found.context)

    def record(self, options: WrapOptions, user: str, answer: str, source: str) -> None:
        """Queue the exchange (user turn, then the answer when there is text)."""
        if not options.record or not user:
            return
        try:
            episodes = [self._episode(options, "user", user, source)]
            if answer.strip():
                episodes.append(self._episode(options, "assistant", answer, source))
            self.recorder.record(options.space, episodes)
        except Exception as exc:  # fail-open
            log.warning("kenning: could not queue a turn: %s", exc)

    def close(self, timeout_s: float = 2.0) -> None:
        """Send what is queued (up to ``timeout_s`` s), then release threads and
        connections."""
        self.recorder.close(timeout_s)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._sender.close()
        if self._sync is not None:
            self._sync.close()

    def _sync_client(self) -> Kenning:
        if self._sync is None:
            opts = self._recall_options
            self._sync = Kenning(opts.url, opts.api_key, timeout_s=opts.timeout_s, attempts=1)
        return self._sync

    def _async_client(self) -> AsyncKenning:
        # An httpx.AsyncClient belongs to the loop it first ran on.
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            opts = self._recall_options
            client = AsyncKenning(opts.url, opts.api_key, timeout_s=opts.timeout_s, attempts=1)
            self._async = (loop, client)
        return self._async[1]

    @staticmethod
    def _block(options: WrapOptions, context: str) -> str | None:
        return f"{options.header}\n{context}" if context.strip() else None

    @staticmethod
    def _episode(options: WrapOptions, role: str, content: str, source: str) -> dict[str, Any]:
        speaker = options.speaker if role == "user" else options.assistant
        episode: dict[str, Any] = {
            # Longer turns would be refused (422), and with them the batch.
            "content": content[:MAX_CONTENT_CHARS],
            "role": role,
            "occurred_at": datetime.now(UTC).isoformat(),
            # Sent again after a timeout that did store it: no duplicate.
            "idempotency_key": uuid.uuid4().hex,
            "source": source,
        }
        tags = {"speaker": speaker, "run_id": options.session, "app_id": options.app_id}
        episode.update({k: v for k, v in tags.items() if v})
        return episode


def _context_call(options: WrapOptions, query: str) -> Call[ContextResponse]:
    """``POST /v1/context`` with the call's deadline as every phase's timeout,
    so a recall thread left behind at the deadline ends soon after it."""
    query = query[-QUERY_MAX_CHARS:]  # the end of a long message is what is asked
    call = calls.context(options.space, query, options.token_budget, options.max_items, None, None)
    return replace(call, timeout=options.deadline_ms / 1000)


def _post(client: Kenning, space: str, episodes: list[dict[str, Any]]) -> None:
    client.add_episodes(space, episodes)


def _close_at_exit(ref: weakref.ref[Memory]) -> None:
    memory = ref()
    if memory is not None:
        memory.close(timeout_s=2.0)

"""Retrieval logs: written off the request path, never failing it; read by space.

A retrieval (search, context or the chat proxy's memory) is logged when
``KENNING_RETRIEVAL_LOG`` is ``on`` and its space is in
``KENNING_RETRIEVAL_LOG_SPACES`` (empty: every space). The row is written by
a background task after the answer is ready; a store that is down or slow
loses the row (logged at warning), never the request. After each write the
space keeps its newest ``KENNING_RETRIEVAL_LOG_RETENTION`` rows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime

from kenning.domain.ids import new_id
from kenning.domain.models import Scope, SearchHit, utcnow
from kenning.errors import InputError, NotFound
from kenning.retrievals.models import (
    ChannelRank,
    RetrievalFilters,
    RetrievalKind,
    RetrievalLog,
    RetrievalPage,
    RetrievalResult,
)
from kenning.store.retrievals_port import RetrievalLogStore

log = logging.getLogger(__name__)

#: Rows being written at once; beyond it new rows are dropped (and counted),
#: so a slow store cannot pile up tasks behind a burst of searches.
MAX_PENDING = 256
#: A page cursor is an id of this shape (see kenning.domain.ids.new_id).
_ID_PREFIX = "ret_"


def results_of(hits: Sequence[SearchHit]) -> list[RetrievalResult]:
    """The logged view of returned hits, in rank order (rank 1 first)."""
    return [
        RetrievalResult(
            key=f"{hit.kind}:{hit.id}",
            rank=rank,
            score=hit.score,
            channels={n: ChannelRank(rank=c.rank, score=c.score) for n, c in hit.channels.items()},
        )
        for rank, hit in enumerate(hits, start=1)
    ]


class RetrievalLogger:
    """Writes and reads retrieval logs.

    Args:
        store: The graph store.
        enabled: ``KENNING_RETRIEVAL_LOG == "on"``.
        spaces: ``KENNING_RETRIEVAL_LOG_SPACES``; empty: every space.
        retention: Rows kept per space (``KENNING_RETRIEVAL_LOG_RETENTION``).
    """

    def __init__(
        self, store: RetrievalLogStore, enabled: bool, spaces: Sequence[str], retention: int
    ) -> None:
        self._store = store
        self._enabled = enabled
        self._spaces = frozenset(spaces)
        self._retention = retention
        self._pending: set[asyncio.Task[None]] = set()
        #: Rows not written: dropped at MAX_PENDING or failed in the store.
        self.lost = 0

    def wants(self, space: str) -> bool:
        """Whether retrievals in ``space`` are logged."""
        return self._enabled and (not self._spaces or space in self._spaces)

    def record(
        self,
        scope: Scope,
        kind: RetrievalKind,
        query: str,
        filters: RetrievalFilters,
        hits: Sequence[SearchHit],
        started: float,
        key_id: str | None,
    ) -> None:
        """Log one retrieval in the background when its space is logged.

        Never raises and never waits for the store.

        Args:
            started: ``time.perf_counter()`` when the retrieval began; the
                latency is measured up to this call.
            hits: What was returned, best first.
        """
        if not self.wants(scope.space):
            return
        try:
            entry = RetrievalLog(
                id=new_id("ret"),
                space=scope.space,
                kind=kind,
                query=query,
                filters=filters,
                results=results_of(hits),
                latency_ms=round((time.perf_counter() - started) * 1000, 3),
                key_id=key_id,
                created_at=utcnow(),
            )
        except Exception as exc:  # never fail the request over its log
            self.lost += 1
            log.warning("retrieval log not built: %s", exc)
            return
        if len(self._pending) >= MAX_PENDING:
            self.lost += 1
            log.warning("retrieval log dropped: %d writes pending", len(self._pending))
            return
        task = asyncio.create_task(self._write(scope, entry))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, scope: Scope, entry: RetrievalLog) -> None:
        try:
            await self._store.add_retrieval_log(scope, entry)
            await self._store.prune_retrieval_logs(scope, self._retention)
        except Exception as exc:
            self.lost += 1
            log.warning("retrieval log %s not written: %s", entry.id, exc)

    async def drain(self) -> None:
        """Wait for the rows being written (shutdown, tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def page(self, scope: Scope, limit: int, cursor: str | None) -> RetrievalPage:
        """The space's rows, newest first.

        Args:
            limit: Rows per page (1-500).
            cursor: ``next_cursor`` of the previous page; None: the first page.

        Raises:
            InputError: ``cursor`` is not one this API gave (field ``cursor``).
            StoreUnavailable: the graph is down.
        """
        if cursor is not None and not (cursor.startswith(_ID_PREFIX) and cursor[4:].isalnum()):
            raise InputError("cursor must be a next_cursor this API returned", field="cursor")
        rows = await self._store.list_retrieval_logs(scope, limit + 1, cursor)
        more = len(rows) > limit
        items = rows[:limit]
        return RetrievalPage(items=items, next_cursor=items[-1].id if more else None)

    async def get(self, scope: Scope, log_id: str) -> RetrievalLog:
        """One row of the space.

        Raises:
            NotFound: no such row in the space (deleted by retention, or never).
            StoreUnavailable: the graph is down.
        """
        found = await self._store.get_retrieval_log(scope, log_id)
        if found is None:
            raise NotFound(f"retrieval log {log_id!r} not found in space {scope.space!r}")
        return found


def filters_of(
    *,
    top_k: int | None,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
    categories: object = None,
) -> RetrievalFilters:
    """The logged filters; ``categories`` is any object with ``agent_id``,
    ``run_id`` and ``app_id`` attributes (a request body or a
    ``CategoryFilter``), read when present."""
    tags = {n: getattr(categories, n, None) for n in ("agent_id", "run_id", "app_id")}
    return RetrievalFilters(as_of=as_of, known_at=known_at, top_k=top_k, **tags)

"""Recall: a reader's search or context, with what other spaces share with
it and the retrieval logged. One path for REST, GraphQL, MCP and the chat
proxy, so none of them forgets the shared scope, a filter or the log."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kenning.access.sharing import SharedReads, SharedScope
from kenning.domain.models import NO_CATEGORY, CategoryFilter, Scope, SearchHit
from kenning.embed.tokens import TokenCounter
from kenning.retrievals.models import RetrievalKind
from kenning.retrievals.service import RetrievalLogger, filters_of
from kenning.search.context import ContextBlock, render_context
from kenning.search.service import SearchService


@dataclass(frozen=True, slots=True)
class Ask:
    """What a reader asks.

    Attributes:
        query: The question (1 to ``QUERY_MAX_CHARS`` characters).
        limit: Results returned (a search) or considered (a context).
        as_of: Facts valid at this instant (UTC); None: now.
        known_at: Only what memory knew at this instant (UTC); None: now.
        include_shared: Also what other spaces share with the space's teams.
        categories: Keep only memory with these tags (empty: all).
    """

    query: str
    limit: int
    as_of: datetime | None = None
    known_at: datetime | None = None
    include_shared: bool = True
    categories: CategoryFilter = field(default=NO_CATEGORY)


class Question(Protocol):
    """A request body that asks (``SearchRequest``, ``ContextRequest``)."""

    query: str
    as_of: datetime | None
    known_at: datetime | None
    include_shared: bool

    def categories(self) -> CategoryFilter:
        """The category filter the body names."""
        ...


def ask_of(body: Question, limit: int) -> Ask:
    """The :class:`Ask` of a request body, returning or considering ``limit`` hits."""
    return Ask(body.query, limit, body.as_of, body.known_at, body.include_shared, body.categories())


class Recall:
    """Searches and context blocks for readers, logged as retrievals.

    Args:
        search: The hybrid search.
        sharing: Resolves what a space's teams share with it.
        retrievals: Logs each retrieval (when its space is logged).
        token_counter: The tokenizer of context budgets (loaded on first use).
    """

    def __init__(
        self,
        search: SearchService,
        sharing: SharedReads,
        retrievals: RetrievalLogger,
        token_counter: Callable[[], TokenCounter],
    ) -> None:
        self._search = search
        self._sharing = sharing
        self._retrievals = retrievals
        self._counter = token_counter

    async def search(
        self,
        scope: Scope,
        ask: Ask,
        key_id: str | None,
        kind: RetrievalKind = "search",
        shared: SharedScope | None = None,
    ) -> list[SearchHit]:
        """The best ``ask.limit`` hits, best first (see
        :meth:`SearchService.search`), logged as ``kind``. ``shared``: the
        space's shared scope when the caller resolved it already (GraphQL
        resolves it once per request); None: resolved here.

        Raises:
            InputError: the query is empty or too long (field ``query``).
            StoreUnavailable: the graph is down.
        """
        started = time.perf_counter()
        hits = await self._hits(scope, ask, shared)
        self._log(scope, ask, kind, hits, started, key_id)
        return hits

    async def context(
        self,
        scope: Scope,
        ask: Ask,
        token_budget: int,
        key_id: str | None,
        kind: RetrievalKind = "context",
    ) -> ContextBlock:
        """The best of ``ask.limit`` hits rendered within ``token_budget``
        tokens (see :func:`render_context`); the hits in the block are logged.

        Raises:
            InputError: the query is empty or too long (field ``query``).
            StoreUnavailable: the graph is down.
        """
        started = time.perf_counter()
        hits = await self._hits(scope, ask)
        block = render_context(hits, token_budget, self._counter())
        self._log(scope, ask, kind, block.hits, started, key_id)
        return block

    async def _hits(
        self, scope: Scope, ask: Ask, shared: SharedScope | None = None
    ) -> list[SearchHit]:
        if shared is None:
            shared = await self._sharing.scope(scope, ask.include_shared)
        return await self._search.search(
            scope,
            ask.query,
            ask.limit,
            as_of=ask.as_of,
            known_at=ask.known_at,
            shared=shared,
            categories=ask.categories,
        )

    def _log(
        self,
        scope: Scope,
        ask: Ask,
        kind: RetrievalKind,
        hits: list[SearchHit],
        started: float,
        key_id: str | None,
    ) -> None:
        filters = filters_of(
            top_k=ask.limit, as_of=ask.as_of, known_at=ask.known_at, categories=ask.categories
        )
        self._retrievals.record(scope, kind, ask.query, filters, hits, started, key_id)

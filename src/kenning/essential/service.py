"""``GET /v1/essential``: a space's essential facts, cached until the space changes."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from kenning.domain.models import NO_CATEGORY, CategoryFilter, Fact, Scope, utcnow
from kenning.embed.tokens import TokenCounter
from kenning.essential.select import choose, essential_predicates
from kenning.store.essential_port import EssentialStore

#: Most cached answers (space, budget, filter) kept; the oldest go first.
CACHE_ENTRIES = 1024


@dataclass(frozen=True, slots=True)
class Essential:
    """The essential facts of a space (rank order) and their prompt block.

    ``tokens`` counts ``context`` with the tokenizer of ``/v1/context`` and
    never exceeds ``token_budget``; ``generated_at`` (UTC) is when the choice
    was made (a cached answer keeps it).
    """

    space: str
    facts: list[Fact]
    context: str
    tokens: int
    token_budget: int
    generated_at: datetime


@dataclass(frozen=True, slots=True)
class _Entry:
    marker: str
    answer: Essential
    made: float  # time.monotonic() when computed


class EssentialService:
    """Chooses essential facts deterministically and caches them per space.

    Args:
        store: The graph store.
        counter: Makes the tokenizer that counts the budget (the one of
            ``/v1/context``); called once, on first use.
        functional: Functional predicates (``KENNING_FUNCTIONAL_PREDICATES``),
            ranked first.
        cache_s: Longest a cached answer is served while the space is
            unchanged (``KENNING_ESSENTIAL_CACHE_S``): facts also start and end
            being valid as time passes. 0 turns the cache off.
    """

    def __init__(
        self,
        store: EssentialStore,
        counter: Callable[[], TokenCounter],
        functional: Iterable[str],
        cache_s: float = 300.0,
    ) -> None:
        self._store = store
        self._counter = counter
        self._functional = frozenset(functional)
        self._predicates = essential_predicates(self._functional)
        self._cache_s = cache_s
        self._cache: OrderedDict[tuple[str, str, int, CategoryFilter], _Entry] = OrderedDict()

    async def essential(
        self, scope: Scope, max_tokens: int, categories: CategoryFilter = NO_CATEGORY
    ) -> Essential:
        """The space's essential facts within ``max_tokens`` tokens.

        One cheap marker query when the cached answer still holds (the space's
        facts unchanged, younger than ``cache_s``); otherwise the current
        facts of the essential predicates are read and ranked again.

        Raises:
            StoreUnavailable: the graph is down.
        """
        key = (scope.tenant, scope.space, max_tokens, categories)
        marker = await self._store.space_marker(scope)
        entry = self._cache.get(key)
        if (
            entry is not None
            and entry.marker == marker
            and time.monotonic() - entry.made < self._cache_s
        ):
            self._cache.move_to_end(key)
            return entry.answer
        answer = await self._compute(scope, max_tokens, categories)
        if self._cache_s > 0:
            self._cache[key] = _Entry(marker, answer, time.monotonic())
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return answer

    async def _compute(
        self, scope: Scope, max_tokens: int, categories: CategoryFilter
    ) -> Essential:
        now = utcnow()
        facts = await self._store.essential_facts(
            scope, self._predicates, now, categories=categories
        )
        choice = choose(facts, self._functional, max_tokens, self._counter())
        return Essential(
            space=scope.space,
            facts=choice.facts,
            context=choice.text,
            tokens=choice.tokens,
            token_budget=max_tokens,
            generated_at=now,
        )

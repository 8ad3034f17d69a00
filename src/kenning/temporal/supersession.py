"""Supersession: keep every chain's valid time consistent after each write.

All writes of facts go through :class:`Supersession`. A chain is read,
resolved (:mod:`kenning.temporal.chain`) and written back while no other
writer can interleave: within a process an asyncio lock orders the writes;
across processes on one database the store locks the chains they touch
(``GraphStore.run_locked``: lock nodes in a Neo4j write transaction, leases on
FalkorDB), so several Kenning processes give the intervals one would.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from kenning.config import DEFAULT_FUNCTIONAL_PREDICATES
from kenning.domain.ids import new_id, predicate_key
from kenning.domain.models import Scope
from kenning.store.port import GraphStore, GraphWrite
from kenning.store.temporal_port import ChainFact, FactVersion
from kenning.temporal.chain import Interval, Link, resolve_chain, stated_interval

Chain = tuple[str, str]  # (subject key, predicate)
T = TypeVar("T")


def link(fact: ChainFact) -> Link:
    """What the chain resolver needs of a stored fact."""
    return Link(
        fact.id, fact.object_key, fact.stated_valid_from, fact.stated_valid_to, fact.observed_at
    )


def version(fact: ChainFact, interval: Interval) -> FactVersion:
    """``fact`` with a new interval, everything else as stored."""
    return FactVersion(
        id=fact.id,
        version_id=new_id("fa"),
        valid_from=interval.valid_from,
        valid_to=interval.valid_to,
        superseded_by=interval.superseded_by,
        stated_valid_from=fact.stated_valid_from,
        stated_valid_to=fact.stated_valid_to,
        text=fact.text,
        confidence=fact.confidence,
        invalidation_reason=fact.invalidation_reason,
    )


class Supersession:
    """Writes facts and resolves the valid time of the chains they touch.

    Args:
        store: The graph store.
        functional_predicates: Predicates with at most one valid object per
            subject at any instant (normalised to snake_case).
    """

    def __init__(
        self,
        store: GraphStore,
        functional_predicates: Iterable[str] = DEFAULT_FUNCTIONAL_PREDICATES,
    ) -> None:
        self._store = store
        self.functional = frozenset(predicate_key(p) for p in functional_predicates)
        self.lock = asyncio.Lock()

    async def write(
        self, scope: Scope, write: GraphWrite, episode_ids: list[str], now: datetime
    ) -> list[str]:
        """Write a batch, resolve the chains it touched, then mark episodes done.

        Episodes turn ``done`` only after supersession, so a crash in between
        leaves them claimed and the worker's retry resolves again (every step
        is safe to repeat).

        Returns:
            The stored id of each fact row, in order (see ``GraphStore.write_graph``).

        Raises:
            StoreUnavailable: the graph is down.
        """
        chains = {(f.subject_key, f.predicate) for f in write.facts}

        async def unit() -> list[str]:
            graph = replace(write, episode_vectors={})
            ids = await self._store.write_graph(scope, graph, [], now)
            await self.resolve(scope, chains, now)
            if episode_ids:
                done = GraphWrite(episode_vectors=write.episode_vectors)
                await self._store.write_graph(scope, done, episode_ids, now)
            return ids

        async with self.lock:
            return await self.exclusive(scope, chains, unit)

    async def exclusive(
        self, scope: Scope, chains: Iterable[Chain], work: Callable[[], Awaitable[T]]
    ) -> T:
        """Run ``work`` with ``chains`` locked against writers in other
        processes on the same database (see ``GraphStore.run_locked``).

        Call with :attr:`lock` held. ``work`` may run more than once (a Neo4j
        deadlock retries it), so it must read what it resolves.
        """
        return await self._store.run_locked(scope, sorted(set(chains)), work)

    async def resolve(self, scope: Scope, chains: Iterable[Chain], now: datetime) -> int:
        """Recompute the intervals of ``chains`` and record the changed ones.

        Call inside :meth:`exclusive` over ``chains``. Non-functional predicates keep their
        stated interval. Returns how many facts got a new version.
        """
        wanted = sorted(set(chains))
        if not wanted:
            return 0
        by_chain: dict[Chain, list[ChainFact]] = defaultdict(list)
        for fact in await self._store.read_chains(scope, wanted):
            by_chain[(fact.subject_key, fact.predicate)].append(fact)
        versions: list[FactVersion] = []
        for (_, predicate), facts in by_chain.items():
            if predicate in self.functional:
                intervals = resolve_chain([link(f) for f in facts])
            else:
                intervals = {f.id: stated_interval(link(f)) for f in facts}
            for fact in facts:
                new = intervals[fact.id]
                if (fact.valid_from, fact.valid_to, fact.superseded_by) != (
                    new.valid_from,
                    new.valid_to,
                    new.superseded_by,
                ):
                    versions.append(version(fact, new))
        await self._store.apply_versions(scope, versions, now)
        return len(versions)

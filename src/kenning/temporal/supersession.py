"""Supersession: keep every chain's valid time consistent after each write.

All writes of facts go through :class:`Supersession`. A chain is read,
planned from its statements (:mod:`kenning.temporal.restatement`,
:mod:`kenning.temporal.chain`) and written back in one store write while no
other writer can interleave: within a process an asyncio lock orders the
writes; across processes on one database the store locks the chains they
touch (``GraphStore.run_locked``: lock nodes in a Neo4j write transaction,
leases on FalkorDB), so several Kenning processes give the intervals one
would, and a restatement another process merged in between is never lost.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from kenning.config import DEFAULT_FUNCTIONAL_PREDICATES
from kenning.domain.ids import predicate_key
from kenning.domain.models import Scope
from kenning.store.port import GraphStore, GraphWrite
from kenning.store.temporal_port import ChainFact, Correction
from kenning.temporal.restatement import ChainPlan, plan_chain
from kenning.webhooks.events import Event, EventSink, NullSink, event_id

Chain = tuple[str, str]  # (subject key, predicate)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Edit:
    """A user's change to one live fact, applied with its chain's resolution.

    Attributes:
        correction: The fact's correction after the change (overrides sources).
        text: The new text, or None to keep it.
        embedding: The new text's vector (computed before any write), or None.
        invalidation_reason: Why it was invalidated, or None to keep the stored one.
    """

    correction: Correction
    text: str | None = None
    embedding: list[float] | None = None
    invalidation_reason: str | None = None


def _edited(fact: ChainFact, edit: Edit) -> ChainFact:
    return replace(
        fact,
        correction=edit.correction,
        text=edit.text or fact.text,
        invalidation_reason=edit.invalidation_reason or fact.invalidation_reason,
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
        events: EventSink | None = None,
    ) -> None:
        self._store = store
        self._events: EventSink = events or NullSink()
        self.functional = frozenset(predicate_key(p) for p in functional_predicates)
        self.lock = asyncio.Lock()

    async def write(
        self, scope: Scope, write: GraphWrite, episode_ids: list[str], now: datetime
    ) -> list[str]:
        """Write a batch, resolve the chains it touched, then mark episodes done.

        Episodes turn ``done`` only after supersession, so a crash in between
        leaves them claimed and the worker's retry resolves again (every step
        is safe to repeat: a statement already held is not added twice).

        Returns:
            The id of the fact each fact row's first statement belongs to
            after resolution, in order (a restated value returning after
            another one lands in a new fact; see ``plan_chain``).

        Raises:
            StoreUnavailable: the graph is down.
        """
        chains = {(f.subject_key, f.predicate) for f in write.facts}

        async def unit() -> tuple[list[str], ChainPlan]:
            graph = replace(write, episode_vectors={})
            ids = await self._store.write_graph(scope, graph, [], now)
            plan = await self.resolve(scope, chains, now)
            if episode_ids:
                done = GraphWrite(
                    episode_vectors=write.episode_vectors,
                    episode_extraction=write.episode_extraction,
                )
                await self._store.write_graph(scope, done, episode_ids, now)
            return ids, plan

        async with self.lock:
            ids, plan = await self.exclusive(scope, chains, unit)
        return [
            plan.placed.get((row.object_key, row.statements[0]), stored)
            if row.statements
            else stored
            for row, stored in zip(write.facts, ids, strict=True)
        ]

    async def exclusive(
        self, scope: Scope, chains: Iterable[Chain], work: Callable[[], Awaitable[T]]
    ) -> T:
        """Run ``work`` with ``chains`` locked against writers in other
        processes on the same database (see ``GraphStore.run_locked``).

        Call with :attr:`lock` held. ``work`` may run more than once (a Neo4j
        deadlock retries it), so it must read what it resolves.
        """
        return await self._store.run_locked(scope, sorted(set(chains)), work)

    async def resolve(
        self,
        scope: Scope,
        chains: Iterable[Chain],
        now: datetime,
        edits: Mapping[str, Edit] | None = None,
    ) -> ChainPlan:
        """Recompute ``chains`` from their statements and record what changed,
        all in one store write (so a failure changes nothing).

        Call inside :meth:`exclusive` over ``chains`` (with :attr:`lock`
        held). ``edits`` are user changes by live fact id, applied in the same
        write (the edited fact is archived even when its interval stays).
        Returns the plan applied.
        """
        wanted = sorted(set(chains))
        plan = ChainPlan()
        if not wanted:
            return plan
        edits = edits or {}
        by_chain: dict[Chain, list[ChainFact]] = defaultdict(list)
        for fact in await self._store.read_chains(scope, wanted):
            edit = edits.get(fact.id)
            fact = _edited(fact, edit) if edit else fact
            by_chain[(fact.subject_key, fact.predicate)].append(fact)
        for (_, predicate), facts in sorted(by_chain.items()):
            part = plan_chain(facts, predicate in self.functional, edits.keys())
            plan.versions += part.versions
            plan.retired += part.retired
            plan.placed |= part.placed
        plan.versions = [
            replace(v, embedding=edits[v.id].embedding) if v.id in edits else v
            for v in plan.versions
        ]
        await self._store.apply_versions(scope, plan.versions, now, plan.retired)
        # Inside the caller's unit: on Neo4j the outbox row commits with the change.
        before = {f.id: f for facts in by_chain.values() for f in facts}
        await self._events.publish(scope, superseded_events(scope, plan, before, now))
        return plan


def superseded_events(
    scope: Scope, plan: ChainPlan, before: Mapping[str, ChainFact], now: datetime
) -> list[Event]:
    """A ``fact.superseded`` event per version that gains a ``superseded_by``
    (or another one than it had); the id names the fact and its successor,
    so resolving the same chain again reports nothing new."""
    events = []
    for version in plan.versions:
        old = before.get(version.id)
        if version.superseded_by is None or (old and old.superseded_by == version.superseded_by):
            continue
        # A copy split off its chain has no state before; it names its origin.
        origin = old or before.get(version.copy_of or "")
        if origin is None:
            continue
        data = {
            "fact_id": version.id,
            "superseded_by": version.superseded_by,
            "subject_key": origin.subject_key,
            "predicate": origin.predicate,
            "object_key": origin.object_key,
            "text": version.text,
            "valid_from": version.valid_from.isoformat() if version.valid_from else None,
            "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        }
        ident = event_id("fact.superseded", scope.tenant, version.id, version.superseded_by)
        events.append(Event(ident, "fact.superseded", now, data))
    return events

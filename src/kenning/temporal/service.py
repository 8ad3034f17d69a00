"""Use cases over valid and transaction time: timelines, corrections, deletes.

The REST API and (later) GraphQL call these; every write takes the
supersession lock, and locks the chains it changes, so chains stay consistent
across processes too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from kenning.domain.ids import predicate_key
from kenning.domain.models import NO_CATEGORY, CategoryFilter, Fact, Scope, utcnow
from kenning.domain.temporal import Deletion, EpisodeSource, EventKind, FactUpdate, TimelineEvent
from kenning.embed.port import Embedder
from kenning.errors import InputError, NotFound
from kenning.store.port import GraphStore
from kenning.store.teams_port import SharedScope
from kenning.store.temporal_port import ChainFact, Correction, Deleted
from kenning.temporal.supersession import Edit, Supersession

#: Bounds of an open timeline window.
BEGINNING = datetime(1, 1, 1, tzinfo=UTC)
END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)
#: At one instant, what ended is listed before what started.
_KIND_ORDER = {"ended": 0, "superseded": 1, "started": 2, "stated": 3}


class TemporalService:
    """Timelines, invalidation, corrections and hard deletes.

    Args:
        store: The graph store.
        supersession: Shared with ingest, so all fact writes are ordered.
        embedder: Re-embeds a fact whose text is corrected.
    """

    def __init__(self, store: GraphStore, supersession: Supersession, embedder: Embedder) -> None:
        self._store = store
        self._supersession = supersession
        self._embedder = embedder

    async def timeline(
        self,
        scope: Scope,
        *,
        entity_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        predicates: list[str] | None = None,
        known_at: datetime | None = None,
        limit: int = 500,
        shared: SharedScope | None = None,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[TimelineEvent]:
        """Facts starting, being first stated, ending and being superseded, in order.

        Args:
            scope: Tenant and space.
            entity_id: Only facts with this entity as subject or object.
            start: Window start (inclusive, UTC); default: the beginning.
            end: Window end (exclusive, UTC); default: the end of time.
            predicates: Only these predicates (free text is normalised).
            known_at: Transaction time: what memory believed then; default now.
            limit: At most this many facts (each gives up to two events).
            shared: Facts other spaces share with the space's teams; they
                join the timeline with ``shared_from`` set and no sources
                (episodes are never shared). None: the space's own only.
            categories: Only facts with each given ``agent_id``/``run_id``/
                ``app_id`` (shared facts too); default: no filter.

        Returns:
            Events ordered by instant; at one instant, endings come first.

        Raises:
            InputError: ``end`` is not after ``start`` (field ``end``).
        """
        start, end = start or BEGINNING, end or END_OF_TIME
        if end <= start:
            raise InputError("end must be after start", field="end")
        facts = await self._store.timeline_facts(
            scope,
            entity_id=entity_id,
            predicates=[predicate_key(p) for p in predicates or []],
            start=start,
            end=end,
            known_at=known_at or utcnow(),
            limit=limit,
            categories=categories,
        )
        if shared:
            facts = _first(
                facts
                + await self._store.shared_timeline_facts(
                    scope.tenant,
                    shared,
                    entity_id=entity_id,
                    predicates=[predicate_key(p) for p in predicates or []],
                    start=start,
                    end=end,
                    known_at=known_at or utcnow(),
                    limit=limit,
                    categories=categories,
                ),
                limit,
            )
        ids = sorted({i for f in facts for i in f.episode_ids if f.shared_from is None})
        episodes = {e.id: e for e in await self._store.get_episodes(scope, ids)}
        events: list[TimelineEvent] = []
        for fact in facts:
            sources = [
                EpisodeSource(
                    id=e.id, occurred_at=e.occurred_at, speaker=e.speaker, content=e.content
                )
                for e in sorted(
                    (
                        episodes[i]
                        for i in fact.episode_ids
                        if i in episodes and not fact.shared_from
                    ),
                    key=lambda e: (e.occurred_at, e.id),
                )
            ]
            for at, kind in _events(fact):
                if start <= at < end:
                    events.append(TimelineEvent(at=at, kind=kind, fact=fact, sources=sources))
        events.sort(key=lambda e: (e.at, _KIND_ORDER[e.kind], e.fact.id))
        return events

    async def invalidate(
        self,
        scope: Scope,
        fact_id: str,
        *,
        valid_to: datetime | None = None,
        reason: str | None = None,
    ) -> Fact:
        """End a fact's valid time: it was true until ``valid_to`` (default now).

        The previous state stays as an archived version (transaction time), and
        the chain is resolved again. Safe to repeat.

        Raises:
            NotFound: no live fact ``fact_id`` in the scope.
            InputError: ``valid_to`` is not after the fact's valid_from.
        """
        async with self._supersession.lock:
            now = utcnow()
            fact = await self._live(scope, fact_id)

            def edit(fact: ChainFact) -> Edit:
                end = valid_to or now
                if fact.valid_from is not None and end <= fact.valid_from:
                    raise InputError(
                        "valid_to must be after the fact's valid_from "
                        f"({fact.valid_from.isoformat()})",
                        field="valid_to",
                    )
                fix = replace(fact.correction or Correction(), valid_to=end, sets_valid_to=True)
                return Edit(correction=fix, invalidation_reason=reason)

            await self._resolve(scope, fact, edit, now)
        return await self._fact(scope, fact_id)

    async def update(self, scope: Scope, fact_id: str, changes: FactUpdate) -> Fact:
        """Correct a fact: stated valid time, confidence or text (fields sent).

        A new text is embedded first; the correction, the new vector and the
        chain's resolution are then written in one store write, so a failure
        anywhere leaves the fact as it was. The previous state stays as an
        archived version.

        Raises:
            NotFound: no live fact ``fact_id`` in the scope.
            InputError: the stated ``valid_to`` is not after ``valid_from``.
        """
        sent = changes.model_fields_set
        vector: list[float] | None = None
        if changes.text:
            # Embedded before anything is written: a failure here changes nothing.
            embedded = await asyncio.to_thread(self._embedder.embed, [changes.text])
            vector = [float(x) for x in embedded[0]]
        async with self._supersession.lock:
            now = utcnow()
            fact = await self._live(scope, fact_id)

            def edit(fact: ChainFact) -> Edit:
                start = changes.valid_from if "valid_from" in sent else fact.stated_valid_from
                end = changes.valid_to if "valid_to" in sent else fact.stated_valid_to
                if start is not None and end is not None and end <= start:
                    raise InputError("valid_to must be after valid_from", field="valid_to")
                fix = fact.correction or Correction()
                if "valid_from" in sent:
                    fix = replace(fix, valid_from=start, sets_valid_from=True)
                if "valid_to" in sent:
                    fix = replace(fix, valid_to=end, sets_valid_to=True)
                if changes.confidence is not None:
                    fix = replace(fix, confidence=changes.confidence)
                new_text = changes.text if changes.text and changes.text != fact.text else None
                return Edit(correction=fix, text=new_text, embedding=vector if new_text else None)

            await self._resolve(scope, fact, edit, now)
        return await self._fact(scope, fact_id)

    async def delete_fact(self, scope: Scope, fact_id: str) -> Deletion:
        """Hard-delete a fact and every version of it; no history is kept.

        Raises:
            NotFound: no fact ``fact_id`` in the scope.
        """
        return await self._delete(scope, self._store.delete_facts(scope, fact_id), fact_id)

    async def delete_episode(self, scope: Scope, episode_id: str) -> Deletion:
        """Hard-delete an episode, the facts only it supports, its mentions, and
        the entities left with nothing; other facts forget it as a source.

        Raises:
            NotFound: no episode ``episode_id`` in the scope.
        """
        return await self._delete(scope, self._store.delete_episode(scope, episode_id), episode_id)

    async def delete_entity(self, scope: Scope, entity_id: str) -> Deletion:
        """Hard-delete an entity, its facts (every version) and mentions.

        Raises:
            NotFound: no entity ``entity_id`` in the scope.
        """
        return await self._delete(scope, self._store.delete_entity(scope, entity_id), entity_id)

    async def delete_space(self, scope: Scope) -> Deletion:
        """Hard-delete everything in a space; other spaces are untouched.

        Raises:
            NotFound: the space holds nothing.
        """
        async with self._supersession.lock:
            stats = await self._store.space_stats(scope)
            deleted = await self._store.delete_space(scope)
        if not deleted.found:
            raise NotFound(f"space {scope.space!r} holds nothing")
        return Deletion(facts=stats.facts, episodes=stats.episodes, entities=stats.entities)

    async def _delete(self, scope: Scope, call: Awaitable[Deleted], item_id: str) -> Deletion:
        # `call` is a coroutine: it runs only when awaited, here under the lock.
        async with self._supersession.lock:
            deleted = await call
            if not deleted.found:
                raise NotFound(f"no {_kind(item_id)} {item_id!r} in space {scope.space!r}")
            # The delete is committed; what is left of its chains is resolved
            # under their locks, after any writer that read them before it.
            now = utcnow()
            await self._supersession.exclusive(
                scope,
                deleted.chains,
                lambda: self._supersession.resolve(scope, deleted.chains, now),
            )
            orphans = await self._store.delete_orphans(scope)
        return Deletion(
            facts=deleted.facts, episodes=deleted.episodes, entities=deleted.entities + orphans
        )

    async def _resolve(
        self, scope: Scope, fact: ChainFact, edit: Callable[[ChainFact], Edit], now: datetime
    ) -> None:
        """Apply a user's edit with its chain's resolution, in one store write,
        under the chain's lock.

        ``edit`` makes the change from the fact as it is under the lock (another
        process may have changed it since ``fact`` was read) and may raise
        :class:`InputError`; ``fact`` names the chain (a fact never changes chain).

        Raises:
            NotFound: the fact stopped being live before the lock was taken.
        """
        chain = [(fact.subject_key, fact.predicate)]

        async def unit() -> None:
            live = await self._live(scope, fact.id)
            await self._supersession.resolve(scope, chain, now, edits={live.id: edit(live)})

        await self._supersession.exclusive(scope, chain, unit)

    async def _live(self, scope: Scope, fact_id: str) -> ChainFact:
        facts = await self._store.chain_facts(scope, [fact_id])
        if not facts:
            raise NotFound(f"no current fact {fact_id!r} in space {scope.space!r}")
        return facts[0]

    async def _fact(self, scope: Scope, fact_id: str) -> Fact:
        return (await self._store.get_facts(scope, [fact_id]))[0]


def _events(fact: Fact) -> list[tuple[datetime, EventKind]]:
    """(instant, kind) of what happened to a fact; see ``EventKind``."""
    events: list[tuple[datetime, EventKind]] = []
    if fact.valid_from is not None:
        events.append((fact.valid_from, "started"))
    elif fact.observed_at is not None and (
        fact.valid_to is None or fact.observed_at < fact.valid_to
    ):
        # Unknown start: when it was first said is the earliest instant the
        # timeline can place it at (unless it had already ended by then).
        events.append((fact.observed_at, "stated"))
    if fact.valid_to is not None:
        events.append((fact.valid_to, "superseded" if fact.superseded_by else "ended"))
    return events


def _kind(item_id: str) -> str:
    """Name an id by its prefix for a 404 message."""
    return {"fa": "fact", "ep": "episode", "en": "entity"}.get(item_id.split("_", 1)[0], "item")


def _first(facts: list[Fact], limit: int) -> list[Fact]:
    """The ``limit`` earliest facts (as ``timeline_facts`` orders them)."""
    return sorted(facts, key=lambda f: (f.valid_from or f.observed_at or f.recorded_at, f.id))[
        :limit
    ]

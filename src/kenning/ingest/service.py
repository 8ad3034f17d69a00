"""Accept episodes durably and store structured facts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from kenning.domain.ids import content_hash, dedup_key, new_id
from kenning.domain.models import EpisodeCreate, Fact, FactCreate, JobStatus, Scope, utcnow
from kenning.domain.rules import InputLimits
from kenning.embed.port import Embedder
from kenning.errors import Conflict, InputError, NotFound
from kenning.ingest.graph_write import GraphWriteBuilder
from kenning.store.port import GraphStore, NewEpisode
from kenning.temporal.supersession import Supersession
from kenning.webhooks.events import EventSink, NullSink


@dataclass(frozen=True, slots=True)
class Accepted:
    """Answer to an ingest request: the job and the stored episode ids, in order."""

    job_id: str
    episode_ids: list[str]
    created: int
    duplicates: int


class IngestService:
    """Writes episodes as ``pending`` and wakes the worker.

    Args:
        store: The graph store.
        embedder: Used by :meth:`add_facts` to embed fact text.
        max_batch: Most episodes or facts in one call.
        max_content_chars: Longest episode content accepted.
        supersession: Writes facts and resolves their valid time (shared with
            the worker); default: one with the default functional predicates.
        lease_s: The workers' claim lease in seconds (``KENNING_CLAIM_LEASE_S``):
            a job counts an episode claimed longer ago as ``stuck``.
        limits: Every size limit (names, text, metadata); ``max_batch`` and
            ``max_content_chars`` override its batch and content limits.
            Default: :class:`InputLimits` defaults.
        events: Told at submit time when a job's episodes were all
            duplicates (no worker will settle them); default: nobody.
    """

    def __init__(
        self,
        store: GraphStore,
        embedder: Embedder,
        max_batch: int,
        max_content_chars: int,
        supersession: Supersession | None = None,
        lease_s: float = 30,
        limits: InputLimits | None = None,
        events: EventSink | None = None,
    ) -> None:
        self._store = store
        self._events: EventSink = events or NullSink()
        self._lease = timedelta(seconds=lease_s)
        self._supersession = supersession or Supersession(store)
        self._embedder = embedder
        self._limits = replace(
            limits or InputLimits(), batch=max_batch, content_chars=max_content_chars
        )
        self.wake = asyncio.Event()

    async def submit(self, scope: Scope, items: Sequence[EpisodeCreate]) -> Accepted:
        """Validate and store episodes in one transaction; extraction runs later.

        Safe to repeat: resent episodes (same idempotency key, or same content
        at the same instant) are not stored twice.

        Raises:
            InputError: empty or oversized batch, or a field over its limit
                (``field`` names the item, e.g. ``episodes.3.content``).
            StoreUnavailable: the graph is down; nothing was stored.
        """
        self._limits.check_episodes(items)
        now = utcnow()
        rows = [self._new_episode(item, now) for item in items]
        await self._check_keys(scope, rows)
        job_id = new_id("job")
        refs = await self._store.add_episodes(scope, job_id, rows, now)
        self.wake.set()
        created = sum(r.created for r in refs)
        ids = [r.id for r in refs]
        if not created:
            # No worker claims a job of duplicates only: if the episodes it
            # names are already settled, it is complete now. Same event id as
            # the worker would give; if they are still being worked on, the
            # worker reports this job when they settle.
            await self._events.episodes_settled(scope, ids, job_id)
        return Accepted(job_id, ids, created, len(refs) - created)

    async def job_status(self, tenant: str, job_id: str) -> JobStatus:
        """Progress of a job, with its stuck claims (lease run out).

        Raises:
            NotFound: the tenant has no such job.
            StoreUnavailable: the graph is down.
        """
        job = await self._store.get_job(tenant, job_id, utcnow() - self._lease)
        if job is None:
            raise NotFound(f"no job {job_id!r}")
        return job

    async def retry_failed(self, tenant: str, job_id: str) -> JobStatus:
        """Queue a job's ``failed`` episodes again (``pending``, error cleared)
        and wake the worker; returns the job's status right after.

        Safe to repeat: a second call finds nothing failed and raises Conflict.

        Raises:
            NotFound: the tenant has no such job.
            Conflict: none of the job's episodes is ``failed``.
            StoreUnavailable: the graph is down; nothing changed.
        """
        job = await self.job_status(tenant, job_id)
        if job.failed == 0 or await self._store.retry_failed_episodes(tenant, job_id) == 0:
            raise Conflict(f"job {job_id!r} has no failed episodes to retry")
        self.wake.set()
        return await self.job_status(tenant, job_id)

    async def _check_keys(self, scope: Scope, rows: list[NewEpisode]) -> None:
        """Refuse an idempotency key reused for different content (a client bug).

        Raises:
            Conflict: names the first offending item.
        """
        keyed = [(i, r) for i, r in enumerate(rows) if r.idempotency_key]
        if not keyed:
            return
        stored = await self._store.episode_hashes(scope, [r.dedup_key for _, r in keyed])
        seen: dict[str, str] = {}
        for i, row in keyed:
            known = stored.get(row.dedup_key) or seen.setdefault(row.dedup_key, row.content_hash)
            if known != row.content_hash:
                raise Conflict(
                    f"episodes.{i}.idempotency_key {row.idempotency_key!r} was already used "
                    "for different content"
                )

    @staticmethod
    def _new_episode(item: EpisodeCreate, now: datetime) -> NewEpisode:
        occurred_at = item.occurred_at or now
        digest = content_hash(item.role, item.speaker, item.content)
        return NewEpisode(
            id=new_id("ep"),
            dedup_key=dedup_key(item.idempotency_key, digest, occurred_at),
            role=item.role,
            speaker=item.speaker,
            content=item.content,
            content_hash=digest,
            occurred_at=occurred_at,
            idempotency_key=item.idempotency_key,
            source=item.source,
            metadata_json=json.dumps(item.metadata) if item.metadata else None,
            agent_id=item.agent_id,
            run_id=item.run_id,
            app_id=item.app_id,
            private=item.private,
        )

    async def add_facts(self, scope: Scope, items: Sequence[FactCreate]) -> list[Fact]:
        """Store structured triples without extraction; returns them as stored.

        Each item is one statement, observed now. Re-posting the same (subject,
        predicate, object) returns the existing fact (merged), unless another
        value of a functional predicate was stated after it: a value that
        returns starts a new fact (see ``kenning.temporal.restatement``).

        Raises:
            InputError: empty or oversized batch, a field over its limit, a
                subject equal to its object, or ``valid_to`` not after ``valid_from``.
            StoreUnavailable: the graph is down; nothing was stored.
        """
        self._limits.check_facts(items)
        builder = GraphWriteBuilder()
        row_ids: list[str] = []
        now = utcnow()
        for i, item in enumerate(items):
            if item.valid_from and item.valid_to and item.valid_to <= item.valid_from:
                raise InputError("valid_to must be after valid_from", field=f"facts.{i}.valid_to")
            row_id = builder.fact(item, [], item, now)
            if row_id is None:
                raise InputError(
                    "subject and object must name two different entities", field=f"facts.{i}"
                )
            row_ids.append(row_id)
        write = builder.build()
        texts = [f.text for f in write.facts] + [e.name for e in write.entities]
        vectors = (await asyncio.to_thread(self._embedder.embed, texts)).tolist()
        write.fact_vectors = {f.id: vectors[i] for i, f in enumerate(write.facts)}
        offset = len(write.facts)
        write.entity_vectors = {e.key: vectors[offset + i] for i, e in enumerate(write.entities)}
        stored_ids = await self._supersession.write(scope, write, [], now)
        by_row = dict(zip([f.id for f in write.facts], stored_ids, strict=True))
        # A re-posted triple merges into its fact: marking it here (not only
        # when created) makes "private" hold whichever post came first.
        private = sorted(
            {by_row[r] for r, item in zip(row_ids, items, strict=True) if item.private}
        )
        if private:
            await self._store.set_private(scope, "fact", private, True)
        facts = {f.id: f for f in await self._store.get_facts(scope, list(by_row.values()))}
        return [facts[by_row[row_id]] for row_id in row_ids]

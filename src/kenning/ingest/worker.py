"""The in-process ingest worker: the graph is the queue.

Reliability (issue 9):

* **Leases with a heartbeat.** A claim lasts ``lease_s`` seconds; while a
  batch is worked on, the worker renews its claims every ``lease_s / 3`` s.
  Only a dead worker's claims (or a stalled event loop's) run out; the next poll of any
  worker takes them again, seconds after the death instead of minutes.
* **Bounded retries.** A batch whose extraction, embedding or write fails is
  tried again ``retries`` times with exponential backoff; then its episodes
  are tried one by one, so one bad episode does not fail its neighbours; only
  then is an episode marked ``failed`` (``POST /v1/jobs/{id}/retry`` queues
  it again).
* **Outages are not failures.** :class:`StoreUnavailable` is never retried
  here nor recorded as a failure: the claims stay; this worker takes them
  again with its next claim once the store answers (another one after the
  lease). A full connection pool (:class:`StoreBusy`) is handled alike: it
  is back-pressure, neither a failure nor a reason for the worker to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from kenning.domain.ids import new_id
from kenning.domain.models import Episode, Extraction, Scope, utcnow
from kenning.embed.port import Embedder
from kenning.errors import KenningError, StoreBusy, StoreUnavailable
from kenning.extract.port import ContextualExtractor, Extractor
from kenning.ingest.graph_write import embedding_text, from_extractions
from kenning.ingest.pacing import Foreground
from kenning.store.port import ClaimedEpisode, GraphStore
from kenning.temporal.supersession import Supersession
from kenning.webhooks.events import EventSink, NullSink

log = logging.getLogger(__name__)
#: Store errors that say "not now" rather than "this episode is bad": never
#: retried per batch nor recorded as failures; the worker backs off instead.
_NOT_NOW = (StoreUnavailable, StoreBusy)

#: Longest wait between two tries of a failed batch, in seconds.
MAX_BACKOFF_S = 30.0

Groups = dict[Scope, list[Episode]]


class IngestWorker:
    """Claims pending episodes and runs extract → resolve → embed → write.

    Args:
        store: The graph store (also the queue).
        extractor: Finds entities and triples.
        embedder: Embeds facts, entities and episodes.
        batch: Episodes claimed at once.
        lease_s: Seconds a claim lasts unless renewed; the worker renews its
            claims every ``lease_s / 3`` s while it works on them, so a claim
            runs out only when its worker died or its event loop stalled
            (``KENNING_CLAIM_LEASE_S``).
        supersession: Writes facts and resolves their valid time; default:
            one over ``store`` with the default functional predicates.
        retries: Further tries of a failed batch before its episodes are
            tried one by one and then marked failed (``KENNING_INGEST_RETRIES``).
        retry_backoff_s: Wait before the first retry, doubled per retry up to
            :data:`MAX_BACKOFF_S` (``KENNING_INGEST_RETRY_BACKOFF_S``).
        tenants: The tenants whose episodes it claims; empty: every tenant
            (``KENNING_WORKER_TENANTS``).
        context_window: How far before a batch an extractor that wants
            context (:class:`ContextualExtractor`) gets earlier turns from.
        events: Told when a batch's episodes settled (done or failed), so
            the jobs over them that finished are reported; default: nobody.
        foreground: The API requests in flight; while there are any, the
            worker claims at most ``busy_batch`` episodes and waits up to
            ``yield_s`` s for a moment without requests before each
            extraction and embedding (:mod:`kenning.ingest.pacing`);
            default: never gives way.
        yield_s: See ``foreground`` (``KENNING_WORKER_YIELD_MS``).
        busy_batch: See ``foreground`` (``KENNING_WORKER_BUSY_BATCH``).
    """

    def __init__(
        self,
        store: GraphStore,
        extractor: Extractor,
        embedder: Embedder,
        batch: int = 32,
        lease_s: float = 30,
        supersession: Supersession | None = None,
        retries: int = 2,
        retry_backoff_s: float = 1.0,
        tenants: Sequence[str] = (),
        context_window: timedelta = timedelta(hours=12),
        events: EventSink | None = None,
        foreground: Foreground | None = None,
        yield_s: float = 0.5,
        busy_batch: int = 2,
    ) -> None:
        self._store = store
        self._events: EventSink = events or NullSink()
        self._supersession = supersession or Supersession(store)
        self._extractor = extractor
        self._embedder = embedder
        self._batch = batch
        self._lease = timedelta(seconds=lease_s)
        self._retries = retries
        self._backoff = retry_backoff_s
        self._tenants = tuple(tenants)
        self._context_window = context_window
        self._foreground = foreground
        self._yield_s = yield_s
        self._busy_batch = busy_batch
        #: Names this worker's claims, so its heartbeat renews only its own.
        self.id = new_id("wk")
        #: Names the batch :meth:`run_forever` claims while one is written.
        self._second_id = new_id("wk")
        #: Batches are extracted one at a time, in the order claimed.
        self._preparing = asyncio.Lock()

    async def run_once(self) -> int:
        """Claim and process one batch; returns how many episodes it claimed.

        Raises:
            StoreUnavailable: the graph is down (claims stay and are retaken
                once their lease runs out).
            StoreBusy: no store connection came free in time (likewise).
        """
        claim = await self._claim(self.id)
        await self._settle(claim)
        return claim.size

    async def _claim(self, worker: str) -> _Claim:
        """Claim a batch as ``worker`` and start, in order, each space's
        preparation (extraction and the episodes' own vectors) and the
        claims' heartbeat."""
        now = utcnow()
        busy = self._busy()
        size = min(self._batch, self._busy_batch) if busy else self._batch
        claimed = await self._store.claim_episodes(
            size, now, now - self._lease, worker=worker, tenants=self._tenants
        )
        groups: Groups = defaultdict(list)
        for item in claimed:
            groups[_scope(item)].append(item.episode)
        claim = _Claim(groups)
        if groups:
            claim.heartbeat = asyncio.create_task(self._renew_forever(groups, worker))
            for scope, episodes in groups.items():
                claim.prepared[scope] = asyncio.create_task(self._prepare(scope, episodes))
        return claim

    async def _settle(self, claim: _Claim) -> None:
        """Write each space's episodes of ``claim`` (retrying, then one by one,
        then marking failures) and report them settled; the heartbeat and any
        preparation left stop whether or not this raises."""
        try:
            for scope, episodes in claim.groups.items():
                await self._process(scope, episodes, claim.prepared.pop(scope))
                await self._events.episodes_settled(scope, [e.id for e in episodes])
        finally:
            await claim.drop()

    def _busy(self) -> bool:
        """Whether API requests are in flight (the worker then gives way)."""
        return self._foreground is not None and self._foreground.busy

    async def _renew_forever(self, groups: Groups, worker: str) -> None:
        """Renew ``worker``'s claims of ``groups`` every lease/3 until cancelled."""
        interval = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            now = utcnow()
            for scope, episodes in groups.items():
                try:
                    await self._store.renew_claims(scope, worker, [e.id for e in episodes], now)
                except KenningError as exc:  # a missed beat must not stop the batch
                    log.warning("could not renew ingest claims in %s: %s", scope.space, exc)

    async def _process(
        self, scope: Scope, episodes: list[Episode], prepared: asyncio.Task[_Prepared] | None = None
    ) -> None:
        """Run the batch with retries (the first try takes ``prepared`` when
        given); then one by one; then mark failures."""
        try:
            await self._with_retries(scope, episodes, prepared)
            return
        except _NOT_NOW:
            raise
        except Exception as exc:
            if len(episodes) == 1:
                await self._fail(scope, episodes, exc)
                return
            log.warning(
                "ingest of %d episodes in %s failed %d times (%s); trying them one by one",
                len(episodes),
                scope.space,
                self._retries + 1,
                _describe(exc),
            )
        for episode in episodes:
            try:
                await self._attempt(scope, [episode])
            except _NOT_NOW:
                raise
            except Exception as exc:
                await self._fail(scope, [episode], exc)

    async def _with_retries(
        self, scope: Scope, episodes: list[Episode], prepared: asyncio.Task[_Prepared] | None
    ) -> None:
        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "ingest of %d episodes in %s failed (try %d of %d), retrying in %.1f s: %s",
                len(episodes),
                scope.space,
                state.attempt_number,
                self._retries + 1,
                state.upcoming_sleep,
                _describe(exc),
            )

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retries + 1),
            wait=wait_exponential(multiplier=self._backoff, max=MAX_BACKOFF_S),
            # Not a cancellation either (a BaseException): tenacity would
            # swallow it and try again, and a stopped worker would go on.
            retry=retry_if_exception_type(Exception) & retry_if_not_exception_type(_NOT_NOW),
            before_sleep=log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                ready, prepared = prepared, None  # a retry prepares afresh
                await self._attempt(scope, episodes, ready)

    async def _attempt(
        self, scope: Scope, episodes: list[Episode], prepared: asyncio.Task[_Prepared] | None = None
    ) -> None:
        """Extract, embed and write ``episodes`` once (safe to repeat); with
        ``prepared``, the extraction already started for them."""
        ready = await (prepared if prepared is not None else self._prepare(scope, episodes))
        write = from_extractions(episodes, ready.extractions)
        texts = [f.text for f in write.facts] + [e.name for e in write.entities]
        await self._give_way()
        vectors = (await asyncio.to_thread(self._embedder.embed, texts)).tolist()
        n_facts = len(write.facts)
        write.fact_vectors = {f.id: vectors[i] for i, f in enumerate(write.facts)}
        write.entity_vectors = {e.key: vectors[n_facts + i] for i, e in enumerate(write.entities)}
        write.episode_vectors = {
            e.id: v for e, v in zip(episodes, ready.said.tolist(), strict=True)
        }
        await self._supersession.write(scope, write, [e.id for e in episodes], utcnow())

    async def _prepare(self, scope: Scope, episodes: list[Episode]) -> _Prepared:
        """The episodes' extractions and own vectors, one batch at a time.

        The episodes' own text is embedded while they are extracted: the
        model runs outside the GIL, so on two cores the embedding of one
        overlaps the parse of the other. Batches take turns here (an
        extractor need not be thread-safe), so a batch claimed ahead is
        parsed while the one before it embeds its facts and is written.
        Before the CPU step the worker gives way (bounded) to API requests
        in flight.
        """
        async with self._preparing:
            await self._give_way()
            texts = [embedding_text(e) for e in episodes]
            extractions, said = await asyncio.gather(
                self._extract(scope, episodes), asyncio.to_thread(self._embedder.embed, texts)
            )
        return _Prepared(extractions, said)

    async def _give_way(self) -> None:
        """Before a CPU step: wait (bounded) while API requests are in flight."""
        if self._foreground is not None:
            await self._foreground.quiet(self._yield_s)

    async def _extract(self, scope: Scope, episodes: list[Episode]) -> list[Extraction]:
        """Run the extractor in a thread; one that wants context gets the
        turns said just before the batch, read from the store."""
        extractor = self._extractor
        if not isinstance(extractor, ContextualExtractor) or extractor.context_turns < 1:
            return await asyncio.to_thread(extractor.extract, episodes)
        history = await self._history(scope, episodes, extractor.context_turns)
        return await asyncio.to_thread(extractor.extract_in_context, episodes, history)

    async def _history(self, scope: Scope, episodes: list[Episode], turns: int) -> list[Episode]:
        """Up to ``turns`` episodes of the space said before the batch's first
        one, within the context window, oldest first."""
        first = min(episodes, key=lambda e: (e.occurred_at, e.id))
        around = await self._store.episode_neighbours(
            scope, [first.id], turns, self._context_window, utcnow()
        )
        ids = around[0].ids if around else []
        before = ids[: ids.index(first.id)] if first.id in ids else []
        batch = {e.id for e in episodes}
        found = await self._store.get_episodes(scope, [i for i in before if i not in batch])
        return sorted(found, key=lambda e: (e.occurred_at, e.id))

    async def _fail(self, scope: Scope, episodes: list[Episode], exc: BaseException) -> None:
        if not isinstance(exc, KenningError):  # a model or bug: keep the trace in the log
            log.error(
                "ingest failed for %d episodes in %s", len(episodes), scope.space, exc_info=exc
            )
        await self._store.fail_episodes(scope.tenant, [e.id for e in episodes], _describe(exc))

    async def run_forever(self, wake: asyncio.Event, poll_s: float = 0.25) -> None:
        """Process batches until cancelled; sleeps ``poll_s`` s (or until woken)
        when idle, and backs off up to 10 s while the store is down.

        While a batch is written the next one is claimed (under this worker's
        second id, so neither batch retakes the other's claims as its own
        dropped ones) and extracted: on two cores the parse of one batch
        overlaps the embedding and write of the one before, and batches are
        still written in the order claimed. Not while API requests are in
        flight: then one small batch at a time, as ever.
        """
        backoff = poll_s
        ids = (self.id, self._second_id)
        turn = 0
        ahead: _Claim | None = None
        try:
            while True:
                try:
                    claim = ahead or await self._claim(ids[turn])
                    ahead = None
                    if claim.size and not self._busy():
                        turn ^= 1
                        ahead = await self._settle_claiming(claim, ids[turn])
                    else:
                        await self._settle(claim)
                    busy = claim.size
                    backoff = poll_s
                except _NOT_NOW as exc:
                    # A worker that stopped here would leave every later episode pending.
                    log.warning("graph store not answering, retrying in %.1f s: %s", backoff, exc)
                    busy, backoff = 0, min(backoff * 2, 10.0)
                if busy:
                    continue
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=backoff)
        finally:
            if ahead is not None:  # cancelled between two batches
                await ahead.drop()

    async def _settle_claiming(self, claim: _Claim, worker: str) -> _Claim:
        """Settle ``claim`` while the next batch is claimed as ``worker`` and
        prepared; returns that next batch.

        Raises:
            StoreUnavailable, StoreBusy: settling or the next claim could not
                reach the store (a next batch claimed meanwhile is dropped).
        """
        following = asyncio.create_task(self._claim(worker))
        try:
            await self._settle(claim)
        except BaseException:
            await _discard(following)
            raise
        return await following


@dataclass(slots=True)
class _Prepared:
    """A batch's extractions, in episode order, and its episodes' own
    vectors: ``(episodes, dimension)`` float32."""

    extractions: list[Extraction]
    said: npt.NDArray[np.float32]


@dataclass(slots=True)
class _Claim:
    """A claimed batch: its episodes by space, each space's preparation not
    yet taken, and the heartbeat renewing its claims."""

    groups: Groups
    prepared: dict[Scope, asyncio.Task[_Prepared]] = field(default_factory=dict)
    heartbeat: asyncio.Task[None] | None = None

    @property
    def size(self) -> int:
        """How many episodes the batch holds."""
        return sum(len(episodes) for episodes in self.groups.values())

    async def drop(self) -> None:
        """Stop the heartbeat and any preparation left; their errors are moot."""
        pending: list[asyncio.Task[Any]] = [*self.prepared.values()]
        if self.heartbeat is not None:
            pending.append(self.heartbeat)
        self.prepared.clear()
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _discard(task: asyncio.Task[_Claim]) -> None:
    """Cancel a claim being made ahead; if it was made, drop it (its
    episodes stay claimed by that id and are retaken by its next claim, or
    by anyone once the lease runs out)."""
    task.cancel()
    try:
        claim = await task
    except BaseException:  # cancelled, or the claim itself failed: nothing held
        return
    await claim.drop()


def _describe(exc: BaseException | None) -> str:
    """The error text stored on a failed episode: a Kenning error's message,
    else the exception type and message."""
    if exc is None or isinstance(exc, KenningError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _scope(item: ClaimedEpisode) -> Scope:
    return Scope(tenant=item.tenant, space=item.episode.space)

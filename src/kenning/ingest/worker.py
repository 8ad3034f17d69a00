"""The in-process ingest worker: the graph is the queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import timedelta

from kenning.domain.models import Episode, Scope, utcnow
from kenning.embed.port import Embedder
from kenning.errors import KenningError, StoreUnavailable
from kenning.extract.port import Extractor
from kenning.ingest.graph_write import embedding_text, from_extractions
from kenning.store.port import ClaimedEpisode, GraphStore
from kenning.temporal.supersession import Supersession

log = logging.getLogger(__name__)


class IngestWorker:
    """Claims pending episodes and runs extract → resolve → embed → write.

    Args:
        store: The graph store (also the queue).
        extractor: Finds entities and triples.
        embedder: Embeds facts, entities and episodes.
        batch: Episodes claimed at once.
        lease_s: A claim older than this many seconds is taken again (a worker
            that died mid-batch); longer than any batch takes.
        supersession: Writes facts and resolves their valid time; default:
            one over ``store`` with the default functional predicates.
    """

    def __init__(
        self,
        store: GraphStore,
        extractor: Extractor,
        embedder: Embedder,
        batch: int = 32,
        lease_s: int = 300,
        supersession: Supersession | None = None,
    ) -> None:
        self._store = store
        self._supersession = supersession or Supersession(store)
        self._extractor = extractor
        self._embedder = embedder
        self._batch = batch
        self._lease = timedelta(seconds=lease_s)

    async def run_once(self) -> int:
        """Claim and process one batch; returns how many episodes it claimed.

        Raises:
            StoreUnavailable: the graph is down (claims stay and are retried).
        """
        now = utcnow()
        claimed = await self._store.claim_episodes(self._batch, now, now - self._lease)
        groups: dict[Scope, list[Episode]] = defaultdict(list)
        for item in claimed:
            groups[_scope(item)].append(item.episode)
        for scope, episodes in groups.items():
            await self._process(scope, episodes)
        return len(claimed)

    async def _process(self, scope: Scope, episodes: list[Episode]) -> None:
        try:
            extractions = await asyncio.to_thread(self._extractor.extract, episodes)
            write = from_extractions(episodes, extractions)
            texts = (
                [f.text for f in write.facts]
                + [e.name for e in write.entities]
                + [embedding_text(e) for e in episodes]
            )
            vectors = (await asyncio.to_thread(self._embedder.embed, texts)).tolist()
            n_facts, n_entities = len(write.facts), len(write.entities)
            write.fact_vectors = {f.id: vectors[i] for i, f in enumerate(write.facts)}
            write.entity_vectors = {
                e.key: vectors[n_facts + i] for i, e in enumerate(write.entities)
            }
            first_episode = n_facts + n_entities
            write.episode_vectors = {
                e.id: vectors[first_episode + i] for i, e in enumerate(episodes)
            }
            await self._supersession.write(scope, write, [e.id for e in episodes], utcnow())
        except StoreUnavailable:
            raise
        except KenningError as exc:
            await self._fail(scope, episodes, str(exc))
        except Exception as exc:  # a model or bug must not wedge the queue
            log.exception("ingest failed for %d episodes in %s", len(episodes), scope.space)
            await self._fail(scope, episodes, f"{type(exc).__name__}: {exc}")

    async def _fail(self, scope: Scope, episodes: list[Episode], error: str) -> None:
        await self._store.fail_episodes(scope.tenant, [e.id for e in episodes], error)

    async def run_forever(self, wake: asyncio.Event, poll_s: float = 0.25) -> None:
        """Process batches until cancelled; sleeps ``poll_s`` s (or until woken)
        when idle, and backs off up to 10 s while the store is down."""
        backoff = poll_s
        while True:
            try:
                busy = await self.run_once()
                backoff = poll_s
            except StoreUnavailable as exc:
                log.warning("graph store unavailable, retrying in %.1f s: %s", backoff, exc)
                busy, backoff = 0, min(backoff * 2, 10.0)
            if busy:
                continue
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=backoff)


def _scope(item: ClaimedEpisode) -> Scope:
    return Scope(tenant=item.tenant, space=item.episode.space)

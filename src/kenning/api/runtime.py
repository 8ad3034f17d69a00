"""Everything the app holds for its lifetime: store, models, services, worker."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from kenning.access.keys import KeyService
from kenning.access.ratelimit import RateLimits
from kenning.access.sharing import SharedReads
from kenning.access.teams import TeamService
from kenning.agents import registry
from kenning.agents.models import AgentName, Analysis
from kenning.agents.scheduler import AgentScheduler
from kenning.agents.service import AgentService, AgentSettings
from kenning.config import Settings
from kenning.embed.port import Embedder
from kenning.embed.tokens import TokenCounter
from kenning.errors import ConfigError, StoreUnavailable
from kenning.essential.service import EssentialService
from kenning.extract.port import Extractor
from kenning.ingest.pacing import Foreground
from kenning.ingest.service import IngestService
from kenning.ingest.worker import IngestWorker
from kenning.proxy.service import ChatProxy, proxy_settings
from kenning.retrievals.service import RetrievalLogger
from kenning.search.config import SearchConfig, merged_weights
from kenning.search.recall import Recall
from kenning.search.service import SearchService
from kenning.store.factory import create_store
from kenning.store.port import VECTOR_DIMENSION, GraphStore
from kenning.temporal.service import TemporalService
from kenning.temporal.supersession import Supersession
from kenning.webhooks.outbox import Outbox
from kenning.webhooks.service import WebhookService
from kenning.webhooks.worker import DeliverySettings, DeliveryWorker

log = logging.getLogger(__name__)

#: Seconds between attempts to reach a graph that was down at start-up.
RECONNECT_S = 5.0
#: Seconds stop() waits for a cancelled worker before it closes the store
#: anyway: a task that swallowed its cancellation must not hold shutdown (and
#: a benchmark's or test's teardown) forever.
STOP_WAIT_S = 10.0
#: How far back the worker looks for earlier turns of a conversation to send
#: an LLM extractor as context (one session).
CONTEXT_WINDOW = timedelta(hours=12)
#: Seconds a thread that wants the GIL waits before the holder must yield it
#: (Python's default is 0.005). While a thread extracted or embedded, a search
#: on the event loop took ~250 ms at the default and ~180 ms at 0.001 (p50,
#: in-process, 2 cores); the worker pays for the extra switches with a few %.
GIL_SWITCH_INTERVAL_S = 0.001


# Models are read-only once loaded, so one process shares them between apps
# (tests start several) instead of loading them again.
@functools.cache
def _embedder(
    model: str, batch_size: int, query_threads: int, onnx_cache_dir: Path | None
) -> Embedder:
    from kenning.embed.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, batch_size, query_threads, onnx_cache_dir)


@functools.cache
def _extractor(model: str) -> Extractor:
    from kenning.extract.spacy_extractor import SpacyExtractor

    return SpacyExtractor(model)


def load_embedder(settings: Settings) -> Embedder:
    """The configured embedder, checked against the vector indexes' dimension.

    Raises:
        ConfigError: the model's dimension is not :data:`VECTOR_DIMENSION`.
        ModelError: the model cannot be loaded.
    """
    onnx = settings.embedding_query_runtime == "onnx"
    embedder = _embedder(
        settings.embedding_model,
        settings.embedding_batch_size,
        settings.embedding_query_threads,
        settings.model_cache_dir / "onnx" if onnx else None,
    )
    if embedder.dimension != VECTOR_DIMENSION:
        raise ConfigError(
            f"KENNING_EMBEDDING_MODEL: {settings.embedding_model} gives "
            f"{embedder.dimension}-d vectors; the indexes are {VECTOR_DIMENSION}-d"
        )
    return embedder


@functools.cache
def _token_counter(model: str) -> TokenCounter:
    from kenning.embed.tokens import WordPieceCounter

    return WordPieceCounter(model)


def load_extractor(settings: Settings) -> Extractor:
    """The configured extractor (``spacy`` is the offline default; ``openai``
    and ``anthropic`` fall back to it per episode).

    Raises:
        ConfigError: an LLM extractor without an API key or prompt file.
        ModelError: the spaCy model cannot be loaded.
    """
    spacy = _extractor(settings.spacy_model)
    if settings.extractor == "spacy":
        return spacy
    from kenning.extract.factory import build_llm_extractor

    # Not cached: each app reports its calls to its own metrics.
    return build_llm_extractor(settings, spacy)


def search_config(s: Settings) -> SearchConfig:
    """Retrieval settings from ``KENNING_SEARCH_*``."""
    return SearchConfig(
        weights=merged_weights(s.search_weights),
        rrf_k=s.search_rrf_k,
        candidates=s.search_candidates,
        entity_seeds=s.search_entity_seeds,
        entity_min_similarity=s.search_entity_min_similarity,
        max_degree=s.search_max_degree,
        max_mentions=s.search_max_mentions,
        neighbour_seeds=s.search_neighbour_seeds,
        neighbour_radius=s.search_neighbour_radius,
        neighbour_window=timedelta(seconds=s.search_neighbour_window_s),
        recency_weight=s.search_recency_weight,
        mmr_lambda=s.search_mmr_lambda,
    )


def delivery_settings(s: Settings) -> DeliverySettings:
    """Webhook delivery bounds from ``KENNING_WEBHOOK_*``."""
    return DeliverySettings(
        allow_private=s.webhook_allow_private,
        timeout_s=s.webhook_timeout_s,
        max_attempts=s.webhook_max_attempts,
        backoff_base_s=s.webhook_backoff_base_s,
        backoff_max_s=s.webhook_backoff_max_s,
        lease_s=s.webhook_lease_s,
        poll_s=s.webhook_poll_s,
        batch=s.webhook_batch,
    )


def agent_settings(s: Settings) -> AgentSettings:
    """Run bounds and analysis options from ``KENNING_AGENT_*``."""
    return AgentSettings(
        lease=timedelta(seconds=s.agent_lease_s),
        run_timeout_s=s.agent_run_timeout_s,
        max_concurrent_runs=s.agent_max_concurrent_runs,
        options=s.agent_analysis_options(),
    )


def freeze_startup_objects() -> None:
    """Collect garbage, then move every object alive now out of the cyclic
    garbage collector's reach (``gc.freeze``); call once the models are loaded.

    The models leave ~500k objects that live as long as the process. A full
    collection scanning them took 130-330 ms on the 2-core development
    machine, stalling the request that set it off; frozen, the collector
    skips them. Collecting first keeps garbage of the start-up out of the
    frozen set.
    """
    gc.collect()
    gc.freeze()


@dataclass
class Runtime:
    """The app's long-lived parts, started and stopped by the lifespan."""

    settings: Settings
    store: GraphStore
    embedder: Embedder
    extractor: Extractor
    ingest: IngestService = field(init=False)
    search: SearchService = field(init=False)
    supersession: Supersession = field(init=False)
    temporal: TemporalService = field(init=False)
    essential: EssentialService = field(init=False)
    agents: AgentService = field(init=False)
    scheduler: AgentScheduler = field(init=False)
    keys: KeyService = field(init=False)
    rate_limits: RateLimits = field(init=False)
    #: Webhooks: the outbox every use case reports events to, the API's
    #: service and the delivery worker (started with the ingest worker).
    outbox: Outbox = field(init=False)
    webhooks: WebhookService = field(init=False)
    deliveries: DeliveryWorker = field(init=False)
    teams: TeamService = field(init=False)
    sharing: SharedReads = field(init=False)
    #: Retrieval logs (issue 16 §3) and the chat proxy (§2).
    retrievals: RetrievalLogger = field(init=False)
    proxy: ChatProxy = field(init=False)
    #: The agents' analyses; None: :data:`kenning.agents.registry.ANALYSES`.
    analyses: Mapping[AgentName, Analysis] | None = None
    #: API requests in flight, counted by admission control; the ingest
    #: worker gives way to them.
    foreground: Foreground = field(default_factory=Foreground)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    #: Set once ``store.open()`` has succeeded (schema and graph created).
    _opened: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        s = self.settings
        self.outbox = Outbox(self.store)
        self.webhooks = WebhookService(self.store, s.webhook_allow_private)
        self.deliveries = DeliveryWorker(self.store, delivery_settings(s), s.worker_tenants)
        self.supersession = Supersession(self.store, s.functional_predicates, self.outbox)
        self.temporal = TemporalService(self.store, self.supersession, self.embedder)
        self.ingest = IngestService(
            self.store,
            self.embedder,
            s.max_batch,
            s.max_content_chars,
            self.supersession,
            lease_s=s.claim_lease_s,
            limits=s.input_limits,
            events=self.outbox,
        )
        self.search = SearchService(
            self.store, self.embedder, s.exact_search_max_items, s.ann_oversample, search_config(s)
        )
        self.agents = AgentService(
            self.store,
            agent_settings(s),
            self.analyses or registry.analyses_for(s),
            events=self.outbox,
        )
        self.scheduler = AgentScheduler(
            self.agents,
            s.agent_crons(),
            auto_fix=s.agent_schedule_auto_fix,
            misfire_grace_s=s.agent_misfire_grace_s,
            tenants=s.worker_tenants,
        )
        self.keys = KeyService(self.store)
        self.rate_limits = RateLimits(s.rate_limit_admin, s.rate_limit_member)
        self.teams = TeamService(self.store, timedelta(days=s.invite_max_ttl_days))
        self.sharing = SharedReads(self.store, s.private_predicates)
        self.retrievals = RetrievalLogger(
            self.store, s.retrieval_log == "on", s.retrieval_log_spaces, s.retrieval_log_retention
        )
        self.recall = Recall(self.search, self.sharing, self.retrievals, self.token_counter)
        self.proxy = ChatProxy(proxy_settings(s), self.recall, self.ingest)
        self.essential = EssentialService(
            self.store, self.token_counter, s.functional_predicates, s.essential_cache_s
        )

    def token_counter(self) -> TokenCounter:
        """The tokenizer that counts context budgets (loaded on first use)."""
        return _token_counter(self.settings.context_tokenizer)

    @classmethod
    async def start(
        cls,
        settings: Settings,
        analyses: Mapping[AgentName, Analysis] | None = None,
        foreground: Foreground | None = None,
    ) -> Runtime:
        """Load models (in threads), open the store, start the worker and
        the agents' schedule.

        A graph that is down at start-up does not stop the app: requests get
        503 and the store is retried every :data:`RECONNECT_S` s.

        Args:
            analyses: The agents' analyses (tests pass their own); default
                :data:`kenning.agents.registry.ANALYSES`.
            foreground: The API requests in flight (the app's admission
                control counts them); default: a counter nobody feeds.
        """
        embedder, extractor = await asyncio.gather(
            asyncio.to_thread(load_embedder, settings),
            asyncio.to_thread(load_extractor, settings),
        )
        runtime = cls(
            settings,
            create_store(settings),
            embedder,
            extractor,
            analyses=analyses,
            foreground=foreground or Foreground(),
        )
        if settings.api_keys:
            log.warning(
                "KENNING_API_KEYS holds %d static admin key(s): meant for development; "
                "use managed keys (kenning keys create, /v1/keys) in production",
                len(settings.api_keys),
            )
        freeze_startup_objects()
        # The ingest worker's threads (spaCy, batch embedding) hold the GIL for
        # long stretches; the event loop gives it up at every socket call and
        # waits up to the switch interval to get it back, a dozen times per
        # search. See GIL_SWITCH_INTERVAL_S.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        task = asyncio.create_task(runtime._open_then_work())
        task.add_done_callback(_log_worker_exit)
        runtime._tasks.append(task)
        runtime.scheduler.start()
        return runtime

    async def _open_then_work(self) -> None:
        while True:
            try:
                await self.store.open()
                await self._bootstrap_key()
                self._opened.set()
                break
            except StoreUnavailable as exc:
                log.error("graph store unavailable (%s); retrying in %.0f s", exc, RECONNECT_S)
                await asyncio.sleep(RECONNECT_S)
        s = self.settings
        worker = IngestWorker(
            self.store,
            self.extractor,
            self.embedder,
            s.worker_batch,
            s.claim_lease_s,
            self.supersession,
            retries=s.ingest_retries,
            retry_backoff_s=s.ingest_retry_backoff_s,
            tenants=s.worker_tenants,
            context_window=CONTEXT_WINDOW,
            events=self.outbox,
            foreground=self.foreground,
            yield_s=s.worker_yield_ms / 1000,
            busy_batch=s.worker_busy_batch,
        )
        deliveries = asyncio.create_task(self.deliveries.run_forever(self.outbox.wake))
        deliveries.add_done_callback(_log_worker_exit)
        self._tasks.append(deliveries)
        # Job events owed after a crash (see kenning.webhooks.outbox): at
        # start, then every delivery lease.
        sweep = asyncio.create_task(self.outbox.sweep_forever(s.webhook_lease_s, s.worker_tenants))
        sweep.add_done_callback(_log_worker_exit)
        self._tasks.append(sweep)
        await worker.run_forever(self.ingest.wake, s.worker_poll_ms / 1000)

    async def _bootstrap_key(self) -> None:
        s = self.settings
        if s.bootstrap_admin_key:
            key = await self.keys.bootstrap(s.bootstrap_tenant, s.bootstrap_admin_key)
            if key is not None:
                log.info("stored KENNING_BOOTSTRAP_ADMIN_KEY as admin key %s", key.id)

    async def ready(self, timeout_s: float = 60.0) -> None:
        """Wait until the store has opened and answers (tests, benchmarks and
        the notebook use this). A ping alone is not enough: on a fresh embedded
        data dir the server answers before ``open()`` has created the graph,
        and a query then fails with "empty key".

        Raises:
            TimeoutError: not ready within ``timeout_s`` s.
            StoreError: the store cannot be opened at all (e.g. another
                process owns the embedded data dir); raised at once, not
                after the timeout.
        """
        async with asyncio.timeout(timeout_s):
            await self._opened_or_failed()
            while True:
                try:
                    await self.store.ping()
                    return
                except StoreUnavailable:
                    await asyncio.sleep(0.1)

    async def _opened_or_failed(self) -> None:
        # The worker task opens the store: if it ended before that, its
        # exception (a StoreError that retrying cannot cure) is the answer.
        opened = asyncio.ensure_future(self._opened.wait())
        try:
            await asyncio.wait([opened, *self._tasks], return_when=asyncio.FIRST_COMPLETED)
        finally:
            opened.cancel()
        if self._opened.is_set():
            return
        for task in self._tasks:
            if task.done() and not task.cancelled() and (exc := task.exception()) is not None:
                raise exc
        raise StoreUnavailable("the worker stopped before the store opened")

    async def stop(self) -> None:
        """Stop the schedule, the agent runs and the worker, then close the
        store. Safe to repeat.

        Waits at most :data:`STOP_WAIT_S` for the cancelled tasks (and
        :data:`~kenning.agents.service.CLOSE_WAIT_S` for agent runs to record
        their end); one still running then is logged with its coroutine
        stack and left behind.
        """
        self.scheduler.stop()
        await self.agents.close()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=STOP_WAIT_S)
            for task in pending:
                stack = "".join(_frames(task))
                log.error("worker task ignored its cancellation; closing anyway at:\n%s", stack)
        # A worker that already died was logged by _log_worker_exit.
        self._tasks.clear()
        await self.proxy.close()
        await self.retrievals.drain()
        await self.store.close()


def _frames(task: asyncio.Task[None]) -> list[str]:
    """Where a task is suspended, innermost last, as ``file:line in function``."""
    return [
        f"  {f.f_code.co_filename}:{f.f_lineno} in {f.f_code.co_name}\n"
        for f in task.get_stack(limit=40)
    ]


def _log_worker_exit(task: asyncio.Task[None]) -> None:
    # Without this a crashed worker is silent until shutdown while jobs stall.
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("worker task %s stopped: %s", task.get_coro(), exc, exc_info=exc)

"""Prometheus metrics of one Kenning app (``GET /metrics``).

Every metric Kenning exports is defined here, in one registry per app (tests
run several apps in one process, and the global registry would refuse the
second). Label values are bounded: routes are the route *templates*
(``/v1/facts/{fact_id}``), queries are the names of files in ``cypher/``.

==============================================  =======================================
metric                                          what
==============================================  =======================================
``kenning_http_requests_total``                 requests by ``method``, ``route``, ``status``
``kenning_http_request_duration_seconds``       request latency by ``method``, ``route``
``kenning_store_query_duration_seconds``        store query latency by ``query``
``kenning_store_query_errors_total``            failed store queries by ``query``, ``error``
``kenning_ingest_episodes``                     episodes by ``status`` (pending, processing)
``kenning_ingest_claimed_episodes_total``       episodes claimed by ingest workers
``kenning_embedded_engine_restarts_total``      restarts of the embedded FalkorDB server
``kenning_store_pool_waits_total``              connection acquisitions that had to wait
``kenning_store_pool_wait_seconds_total``       time spent waiting for a connection
``kenning_metrics_refresh_errors_total``        scrapes whose queue-depth query failed
``kenning_llm_tokens_total``                    LLM extraction tokens by ``direction``
``kenning_llm_call_duration_seconds``           LLM extraction call latency by ``provider``
``kenning_llm_fallbacks_total``                 episodes extracted by spaCy instead, by ``reason``
``kenning_webhook_deliveries_total``            webhook tries by ``outcome``
``kenning_webhook_delivery_duration_seconds``   webhook try latency (request to answer or error)
==============================================  =======================================

The last three engine metrics are read defensively from attributes a store
may or may not have (``restarts`` on its embedded server, ``pool_waits`` and
``pool_wait_seconds`` on the store); absent attributes leave them out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from kenning.extract.llm import LLMCall

log = logging.getLogger(__name__)

#: Seconds; store queries are mostly 1-50 ms, so finer steps at the low end.
STORE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Seconds; searches are 20-200 ms, ingest answers in tens of ms.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Seconds; one LLM call extracts several turns in 1-30 s (retries included).
LLM_BUCKETS = (0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
#: Seconds; a webhook try answers in ms or runs into its timeout (5 s default).
WEBHOOK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Episode states whose counts make the ingest queue depth.
QUEUE_STATES = ("pending", "processing")
#: Most seconds a scrape waits for the queue-depth query.
REFRESH_TIMEOUT_S = 1.0


class QueueSource(Protocol):
    """What the queue-depth gauge reads: the store's episode counts."""

    async def ingest_queue(self) -> dict[str, int]:
        """Episodes per status among ``pending`` and ``processing``, all tenants."""


class Metrics:
    """The metrics of one app and the callbacks that feed them.

    Attributes:
        registry: The app's own registry, rendered by :meth:`render`.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(
            "kenning_http_requests",
            "HTTP requests answered, by route template and status code.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "kenning_http_request_duration_seconds",
            "Time from request to the end of the response body, in seconds.",
            ["method", "route"],
            buckets=HTTP_BUCKETS,
            registry=r,
        )
        self.store_latency = Histogram(
            "kenning_store_query_duration_seconds",
            "Store query latency by query name (a file in cypher/), in seconds.",
            ["query"],
            buckets=STORE_BUCKETS,
            registry=r,
        )
        self.store_errors = Counter(
            "kenning_store_query_errors",
            "Store queries that raised, by query name and error class.",
            ["query", "error"],
            registry=r,
        )
        self.queue = Gauge(
            "kenning_ingest_episodes",
            "Episodes waiting (pending) or being worked on (processing), all tenants; "
            "read from the graph at each scrape.",
            ["status"],
            registry=r,
        )
        self.claims = Counter(
            "kenning_ingest_claimed_episodes",
            "Episodes claimed by ingest workers (a retaken stale claim counts again).",
            registry=r,
        )
        self.refresh_errors = Counter(
            "kenning_metrics_refresh_errors",
            "Scrapes whose ingest queue-depth query failed or timed out.",
            registry=r,
        )
        self.llm_tokens = Counter(
            "kenning_llm_tokens",
            "Tokens billed by LLM extraction calls, by direction (input, output).",
            ["direction"],
            registry=r,
        )
        self.llm_latency = Histogram(
            "kenning_llm_call_duration_seconds",
            "Wall time of one LLM extraction call (SDK retries included), in seconds.",
            ["provider"],
            buckets=LLM_BUCKETS,
            registry=r,
        )
        self.llm_fallbacks = Counter(
            "kenning_llm_fallbacks",
            "Episodes the LLM extractor handed to spaCy, by reason (timeout, "
            "rate_limited, api_error, connection, refused, malformed, missing).",
            ["reason"],
            registry=r,
        )
        self.webhook_deliveries = Counter(
            "kenning_webhook_deliveries",
            "Webhook delivery tries by outcome: delivered (2xx), retry (failed, another "
            "try is scheduled), failed (the last try failed).",
            ["outcome"],
            registry=r,
        )
        self.webhook_latency = Histogram(
            "kenning_webhook_delivery_duration_seconds",
            "Time of one webhook try, from the request to the answer or the error, in seconds.",
            buckets=WEBHOOK_BUCKETS,
            registry=r,
        )
        self._engine = _EngineCollector()
        r.register(self._engine)

    def bind_store(self, store: object) -> None:
        """Read engine restarts and pool waits from ``store`` from now on."""
        self._engine.store = store

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one HTTP request; ``route`` must be a template, not a raw path."""
        self.http_requests.labels(method, route, str(status)).inc()
        self.http_latency.labels(method, route).observe(seconds)

    def observe_query(
        self, name: str, seconds: float, rows: int | None, error: BaseException | None
    ) -> None:
        """The store's query callback (see ``kenning.store.base.QueryObserver``)."""
        self.store_latency.labels(name).observe(seconds)
        if error is not None:
            self.store_errors.labels(name, type(error).__name__).inc()
        elif name == "claim_episodes" and rows:
            # Every claim goes through this one query, so counting here keeps
            # the ingest worker free of metrics code.
            self.claims.inc(rows)

    def observe_llm_call(self, call: LLMCall) -> None:
        """The LLM extractor's call callback: tokens, latency and fallbacks."""
        self.llm_tokens.labels("input").inc(call.input_tokens)
        self.llm_tokens.labels("output").inc(call.output_tokens)
        self.llm_latency.labels(call.provider).observe(call.seconds)
        if call.fallbacks:
            self.llm_fallbacks.labels(call.reason or "missing").inc(call.fallbacks)

    def observe_webhook_delivery(self, outcome: str, seconds: float) -> None:
        """The delivery worker's callback: one try's outcome and latency."""
        self.webhook_deliveries.labels(outcome).inc()
        self.webhook_latency.observe(seconds)

    async def refresh(self, source: QueueSource) -> None:
        """Read the ingest queue depth from the store, within
        :data:`REFRESH_TIMEOUT_S`; on failure the gauge keeps its last value
        and ``kenning_metrics_refresh_errors_total`` counts it."""
        try:
            async with asyncio.timeout(REFRESH_TIMEOUT_S):
                counts = await source.ingest_queue()
        except Exception as exc:  # a scrape must answer even with the store down
            log.warning("metrics: ingest queue depth unavailable: %s", type(exc).__name__)
            self.refresh_errors.inc()
            return
        for status in QUEUE_STATES:
            self.queue.labels(status).set(counts.get(status, 0))

    def render(self) -> tuple[bytes, str]:
        """The text exposition format and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _EngineCollector(Collector):
    """Engine counters read from the store at scrape time, when it has them."""

    def __init__(self) -> None:
        self.store: object | None = None

    def describe(self) -> list[Metric]:
        # Describing nothing up front lets the families vary with the store.
        return []

    def collect(self) -> Iterator[Metric]:
        store = self.store
        server = getattr(store, "_server", None) or getattr(store, "server", None)
        for owner, attribute, name, help_text in (
            (server, "restarts", "kenning_embedded_engine_restarts", _RESTARTS_HELP),
            (store, "pool_waits", "kenning_store_pool_waits", _WAITS_HELP),
            (store, "pool_wait_seconds", "kenning_store_pool_wait_seconds", _WAITED_HELP),
        ):
            value = _number(getattr(owner, attribute, None))
            if value is not None:
                yield CounterMetricFamily(name, help_text, value=value)


_RESTARTS_HELP = "Restarts of the embedded FalkorDB server by its supervisor."
_WAITS_HELP = "Store connection acquisitions that had to wait for a free connection."
_WAITED_HELP = "Total time spent waiting for a store connection, in seconds."


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)

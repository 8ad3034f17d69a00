"""GraphStore on FalkorDB.

FalkorDB has no zoned datetime, so instants are stored as Unix epoch
milliseconds (UTC) and converted at this boundary; comparisons such as
``f.valid_from <= $at`` keep the same query text on both engines.

FalkorDB has no transaction spanning several queries, so chains are locked
with leases (:meth:`FalkorStore.run_locked`): one ``:ChainLock`` node per
chain holds a holder token and an expiry, taken all-or-none by one query
(the server runs one write query at a time on a graph, so the check and the
set are atomic), renewed while the work runs, and released after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, LiteralString, TypeVar
from urllib.parse import urlparse

from falkordb.asyncio import FalkorDB
from redis import exceptions as redis_errors
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from kenning.domain.models import Scope, utcnow
from kenning.errors import StoreError, StoreUnavailable
from kenning.store.base import CypherStore, Row
from kenning.store.falkordb.server import EmbeddedFalkorDB
from kenning.store.temporal_port import ChainKey

T = TypeVar("T")

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
# Schema statements that already took effect answer with these; not an error.
_ALREADY = ("already indexed", "already exists", "already created")
# Uniqueness constraints (GRAPH.CONSTRAINT needs the range indexes in schema).
_CONSTRAINTS = (
    ("Entity", ("tenant", "space", "key")),
    ("Episode", ("tenant", "space", "dedup_key")),
    ("Job", ("tenant", "id")),
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_UNAVAILABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)
#: A chain lease lasts this long unless renewed (a holder renews it every
#: third of it while its work runs), so a crashed holder blocks for at most this.
CHAIN_LEASE = timedelta(seconds=30)
#: How long run_locked waits for busy chains before StoreUnavailable.
CHAIN_WAIT_S = 90.0


def _retry() -> Retry:
    # Two quick retries ride out a blip; redis-py's default backs off for ~5 s,
    # which would hold a request long past when the API should answer 503.
    return Retry(ExponentialBackoff(cap=0.5, base=0.05), 2)


class FalkorStore(CypherStore):
    """GraphStore on an embedded or remote FalkorDB.

    Args:
        url: ``"embedded"`` or ``"falkordb://host:port"``.
        graph: Graph (key) name inside FalkorDB.
        data_dir: Where the embedded server keeps its socket and files.
        max_connections: Connection pool size.
    """

    dialect = "falkordb"
    extra_queries = ("lease_chains", "release_chains")

    def __init__(self, url: str, graph: str, data_dir: Path, max_connections: int = 16) -> None:
        super().__init__()
        self._url = url
        self._graph_name = graph
        self._server = EmbeddedFalkorDB(data_dir) if url == "embedded" else None
        self._max_connections = max_connections
        self._db: Any = None
        self._graph: Any = None

    async def open(self) -> None:
        """Start the embedded server if needed, connect, create the schema.

        Raises:
            StoreUnavailable: the server does not answer (retryable).
            StoreError: the schema could not be set up.
        """
        if self._db is not None:
            return
        socket = await self._server.start() if self._server is not None else None
        try:
            # The client probes the server synchronously in its constructor,
            # so build it off the event loop.
            self._db = await asyncio.to_thread(self._connect, socket)
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(f"FalkorDB unreachable at {self._url}: {exc}") from exc
        self._graph = self._db.select_graph(self._graph_name)
        await self._ensure_schema()

    def _connect(self, socket: str | None) -> Any:
        common = {"max_connections": self._max_connections, "socket_connect_timeout": 5.0}
        if socket is not None:
            db = FalkorDB(unix_socket_path=socket, **common)
        else:
            parsed = urlparse(self._url)
            db = FalkorDB(
                host=parsed.hostname, port=parsed.port or 6379, password=parsed.password, **common
            )
        db.connection.set_retry(_retry())
        return db

    async def close(self) -> None:
        """Close connections and stop the embedded server. Safe to repeat."""
        if self._db is not None:
            await self._db.aclose()
            self._db = None
            self._graph = None
        if self._server is not None:
            await self._server.stop()

    async def _ensure_schema(self) -> None:
        for statement in self.cypher.statements("schema"):
            await self._tolerate_existing(self._graph.query(statement))
        for label, props in _CONSTRAINTS:
            command = ("GRAPH.CONSTRAINT", "CREATE", self._graph_name, "UNIQUE", "NODE", label)
            args = (*command, "PROPERTIES", str(len(props)), *props)
            await self._tolerate_existing(self._db.connection.execute_command(*args))

    async def _tolerate_existing(self, call: Awaitable[Any]) -> None:
        try:
            await call
        except redis_errors.ResponseError as exc:
            if not any(marker in str(exc) for marker in _ALREADY):
                raise StoreError(f"FalkorDB schema set-up failed: {exc}") from exc
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(f"FalkorDB unreachable: {exc}") from exc

    async def run_locked(
        self, scope: Scope, chains: Sequence[ChainKey], work: Callable[[], Awaitable[T]]
    ) -> T:
        """See :meth:`TemporalStore.run_locked`.

        Takes the leases of all ``chains`` at once (retrying with jittered
        backoff from 5 ms to 200 ms while another holder has one), renews them
        every ``CHAIN_LEASE / 3`` while ``work`` runs, then releases them.

        Raises:
            StoreUnavailable: the chains stayed busy for ``CHAIN_WAIT_S`` s.
        """
        if not chains:
            return await work()
        rows = [{"subject_key": s, "predicate": p} for s, p in sorted(set(chains))]
        lease = {**self._scope(scope), "chains": rows, "holder": uuid.uuid4().hex}
        await self._take(lease)
        renewer = asyncio.create_task(self._renew(lease))
        try:
            return await work()
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            await self._query("release_chains", lease, write=True)

    async def _take(self, lease: Row) -> None:
        deadline, delay = time.monotonic() + CHAIN_WAIT_S, 0.005
        while True:
            now = utcnow()
            params = {**lease, "now": now, "until": now + CHAIN_LEASE}
            if (await self._query("lease_chains", params, write=True))[0]["free"]:
                return
            if time.monotonic() > deadline:
                raise StoreUnavailable(f"chains busy for {CHAIN_WAIT_S:.0f} s; retry later")
            # Jitter, so two processes waiting on each other do not retry in step.
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 0.2)

    async def _renew(self, lease: Row) -> None:
        while True:
            await asyncio.sleep(CHAIN_LEASE.total_seconds() / 3)
            now = utcnow()
            params = {**lease, "now": now, "until": now + CHAIN_LEASE}
            try:
                rows = await self._query("lease_chains", params, write=True)
            except StoreError as exc:  # StoreUnavailable too; the work will see it
                log.warning("chain lease renewal failed: %s", exc)
                continue
            if not rows[0]["free"]:
                log.error("chain lease in space %s lost to another holder", lease["space"])

    async def _run(self, query: LiteralString, params: Row, *, write: bool) -> list[Row]:
        if self._graph is None:
            raise StoreUnavailable("FalkorDB store is not open")
        try:
            run = self._graph.query if write else self._graph.ro_query
            result = await run(query, params)
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(f"FalkorDB unreachable: {exc}") from exc
        except redis_errors.RedisError as exc:
            raise StoreError(f"FalkorDB query failed: {exc}") from exc
        names = [column[1] for column in result.header]
        return [dict(zip(names, row, strict=True)) for row in result.result_set]

    def _instant_to_db(self, value: datetime) -> int:
        # Integer arithmetic: a float timestamp loses milliseconds far from
        # 1970, and int() would round instants before 1970 up, not down.
        return (value - _EPOCH) // _MILLISECOND

    def _instant_from_db(self, value: Any) -> datetime:
        return _EPOCH + int(value) * _MILLISECOND

    def _fulltext_query(self, terms: list[str]) -> str:
        # RediSearch: plain words OR-ed with '|'; anything else is dropped so a
        # caller's text can never become query syntax.
        words = [w for term in terms for w in _WORD.findall(term)]
        return "|".join(words)

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
import functools
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
from redis.asyncio import BlockingConnectionPool, UnixDomainSocketConnection
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from kenning.domain.models import Scope, utcnow
from kenning.errors import Conflict, StoreBusy, StoreError, StoreUnavailable
from kenning.store.base import CypherStore, Row, unique_conflict
from kenning.store.falkordb import fulltext
from kenning.store.falkordb.server import EmbeddedFalkorDB
from kenning.store.falkordb.supervisor import Supervision
from kenning.store.limits import StoreLimits
from kenning.store.port import SearchKind
from kenning.store.stop_words import STOP_WORDS
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
    # Ids are unique per tenant, as on Neo4j (cypher/neo4j/schema.cypher).
    ("Entity", ("tenant", "id")),
    ("Episode", ("tenant", "id")),
    ("Job", ("tenant", "id")),
    ("Insight", ("tenant", "id")),
    ("AgentRun", ("tenant", "id")),
    ("AgentLease", ("tenant", "space", "agent")),
)
#: What FalkorDB answers when a uniqueness constraint refuses a write.
_CONSTRAINT_FAILED = "unique constraint violation"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_UNAVAILABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)
# What redis-py says when its pool has no free connection (a blocking pool
# after its wait; a plain pool at once): back-pressure, not an outage.
_POOL_EXHAUSTED = ("No connection available", "Too many connections")
#: Seconds to connect a socket; a local server answers in well under one.
CONNECT_TIMEOUT_S = 5.0
#: A chain lease lasts this long unless renewed (a holder renews it every
#: third of it while its work runs), so a crashed holder blocks for at most this.
CHAIN_LEASE = timedelta(seconds=30)
#: How long run_locked waits for busy chains before StoreUnavailable.
CHAIN_WAIT_S = 90.0


class VectorText:
    """An embedding already written as the query header's list literal.

    The FalkorDB client sends parameters as text in front of the query
    (``CYPHER vector=[0.01,...] ...``), formatting a list one item per call;
    it writes any other object with ``str()``. A search sends its query
    vector three times (facts, episodes, entities), so the text is made once
    (:func:`_vector_text`) and passed as this object.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


@functools.lru_cache(maxsize=16)
def _vector_text(vector: tuple[float, ...]) -> str:
    # repr: what the client writes for each float, so the query is unchanged.
    return "[" + ",".join(map(repr, vector)) + "]"


def _retry() -> Retry:
    # Two quick retries ride out a blip (and reconnect after the embedded server
    # was restarted); redis-py's default backs off for ~5 s, which would hold a
    # request long past when the API should answer 503.
    return Retry(ExponentialBackoff(cap=0.5, base=0.05), 2)


def _translate(exc: Exception) -> StoreError | StoreBusy | Conflict:
    """A redis-py error as Kenning's: busy pool, unreachable, timed out, a
    uniqueness constraint refusing the write (409), or failed."""
    text = str(exc)
    if _CONSTRAINT_FAILED in text:
        log.warning("FalkorDB refused a write by a constraint: %s", text)
        return unique_conflict()
    if isinstance(exc, redis_errors.MaxConnectionsError) or any(
        marker in text for marker in _POOL_EXHAUSTED
    ):
        return StoreBusy(f"no FalkorDB connection came free: {text}")
    if isinstance(exc, _UNAVAILABLE):
        return StoreUnavailable(f"FalkorDB unreachable: {text}")
    if "timed out" in text.lower():  # the server's own per-query timeout
        return StoreUnavailable(f"FalkorDB query timed out: {text}")
    return StoreError(f"FalkorDB query failed: {text}")


class FalkorStore(CypherStore):
    """GraphStore on an embedded or remote FalkorDB.

    Connections come from a blocking pool of ``limits.connections``; queries
    queue for one of ``limits.pool_size`` slots (see
    :class:`~kenning.store.limits.CallGate`). Read queries also carry
    FalkorDB's own per-query timeout (``GRAPH.RO_QUERY ... timeout <ms>``), so
    the server stops work the client gave up on.

    Args:
        url: ``"embedded"`` or ``"falkordb://host:port"``.
        graph: Graph (key) name inside FalkorDB.
        data_dir: Where the embedded server keeps its socket and files.
        limits: Pool size and timeouts; default :class:`StoreLimits`.
        supervision: How the embedded server is supervised; default
            :class:`Supervision`.
    """

    dialect = "falkordb"
    extra_queries = ("lease_chains", "release_chains")

    def __init__(
        self,
        url: str,
        graph: str,
        data_dir: Path,
        limits: StoreLimits | None = None,
        supervision: Supervision | None = None,
    ) -> None:
        super().__init__(limits)
        self._url = url
        self._graph_name = graph
        self._server = (
            EmbeddedFalkorDB(data_dir, supervision=supervision or Supervision())
            if url == "embedded"
            else None
        )
        self._db: Any = None
        self._graph: Any = None

    @property
    def server(self) -> EmbeddedFalkorDB | None:
        """The supervised embedded server, or None for a remote FalkorDB."""
        return self._server

    async def open(self) -> None:
        """Start the embedded server if needed, connect, create the schema.

        Every step is bounded in time; on failure nothing stays half open, so
        a later call starts over.

        Raises:
            StoreUnavailable: the server does not answer (retryable).
            StoreError: the schema could not be set up.
        """
        if self._graph is not None:
            return
        socket = await self._server.start() if self._server is not None else None
        try:
            # The client probes the server synchronously in its constructor,
            # so build it off the event loop (bounded by its socket timeouts).
            async with asyncio.timeout(self.limits.socket_timeout_s * 2):
                self._db = await asyncio.to_thread(self._connect, socket)
            self._graph = self._db.select_graph(self._graph_name)
            await self._ensure_schema()
        except TimeoutError as exc:
            await self._disconnect()
            raise StoreUnavailable(f"FalkorDB at {self._url} did not answer in time") from exc
        except _UNAVAILABLE as exc:
            await self._disconnect()
            raise StoreUnavailable(f"FalkorDB unreachable at {self._url}: {exc}") from exc
        except BaseException:
            await self._disconnect()
            raise

    def _connect(self, socket: str | None) -> Any:
        limits = self.limits
        common: dict[str, Any] = {
            "max_connections": limits.connections,
            "timeout": limits.pool_timeout_s,
            "socket_connect_timeout": CONNECT_TIMEOUT_S,
            "socket_timeout": limits.socket_timeout_s,
            "decode_responses": True,
        }
        if socket is not None:
            pool = BlockingConnectionPool(
                connection_class=UnixDomainSocketConnection, path=socket, **common
            )
        else:
            parsed = urlparse(self._url)
            pool = BlockingConnectionPool(
                host=parsed.hostname, port=parsed.port or 6379, password=parsed.password, **common
            )
        db = FalkorDB(connection_pool=pool)
        db.connection.set_retry(_retry())
        return db

    async def close(self) -> None:
        """Close connections and stop the embedded server. Safe to repeat."""
        await self._disconnect()
        if self._server is not None:
            await self._server.stop()

    async def _disconnect(self) -> None:
        db, self._db, self._graph = self._db, None, None
        if db is not None:
            # Closing sockets does not wait on the server, but bound it anyway
            # so shutdown finishes while the store hangs.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    await db.aclose()

    def _unavailable_reason(self) -> str | None:
        if self._server is not None and self._server.running and not self._server.answering:
            return "the embedded FalkorDB server is not answering; it is being restarted"
        return None

    async def _ensure_schema(self) -> None:
        timeout = self.limits.write_timeout_s
        for statement in self.cypher.statements("schema"):
            await self._tolerate_existing(self._graph.query(statement), timeout)
        for label, props in _CONSTRAINTS:
            command = ("GRAPH.CONSTRAINT", "CREATE", self._graph_name, "UNIQUE", "NODE", label)
            args = (*command, "PROPERTIES", str(len(props)), *props)
            await self._tolerate_existing(self._db.connection.execute_command(*args), timeout)

    async def _tolerate_existing(self, call: Awaitable[Any], timeout_s: float) -> None:
        try:
            async with asyncio.timeout(timeout_s):
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
            try:
                await self._query("release_chains", lease, write=True)
            except (StoreError, StoreBusy) as exc:
                # The work's outcome stands; the leases run out at expires_at.
                log.warning("chain lease release failed: %s", exc)

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
            except (StoreError, StoreBusy) as exc:  # StoreUnavailable too; the work will see it
                log.warning("chain lease renewal failed: %s", exc)
                continue
            if not rows[0]["free"]:
                log.error("chain lease in space %s lost to another holder", lease["space"])

    async def _run(self, query: LiteralString, params: Row, *, write: bool) -> list[Row]:
        graph = self._graph
        if graph is None:
            raise StoreUnavailable("FalkorDB store is not open")
        try:
            if write:
                result = await graph.query(query, params)
            else:
                timeout_ms = int(self.limits.read_timeout_s * 1000)
                result = await graph.ro_query(query, params, timeout=timeout_ms)
        except redis_errors.RedisError as exc:
            raise _translate(exc) from exc
        except OSError as exc:
            raise StoreUnavailable(f"FalkorDB unreachable: {exc}") from exc
        names = [column[1] for column in result.header]
        return [dict(zip(names, row, strict=True)) for row in result.result_set]

    def _instant_to_db(self, value: datetime) -> int:
        # Integer arithmetic: a float timestamp loses milliseconds far from
        # 1970, and int() would round instants before 1970 up, not down.
        return (value - _EPOCH) // _MILLISECOND

    def _instant_from_db(self, value: Any) -> datetime:
        return _EPOCH + int(value) * _MILLISECOND

    def _vector_to_db(self, vector: Sequence[float]) -> VectorText:
        return VectorText(_vector_text(tuple(vector)))

    def _fulltext_query(self, terms: list[str]) -> str:
        # RediSearch: plain words OR-ed with '|'; anything else is dropped so a
        # caller's text can never become query syntax. Stop words are not
        # indexed: a query of only those would match on the scope alone.
        words = [w for term in terms for w in _WORD.findall(term)]
        return "|".join(w for w in words if w.lower() not in STOP_WORDS)

    def _scoped_fulltext(self, scope: Scope, kind: SearchKind, query: str) -> str:
        return fulltext.scoped_query(scope.tenant, scope.space, kind, query)

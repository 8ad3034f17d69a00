"""GraphStore on Neo4j 5.26+ through the official async driver.

Instants are stored as Neo4j ``DateTime`` (the driver maps aware ``datetime``
values both ways).

Chains are locked inside a write transaction (:meth:`Neo4jStore.run_locked`):
the first statement MERGEs one ``:ChainLock`` node per chain and SETs a
property on it, which takes the node's write lock until the transaction ends;
every query of the work then runs in that same transaction. This is the
locking idiom of the Cypher manual ("Concurrent data access"); a crash or an
error releases the locks with the rollback, so nothing has to expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString, TypeVar

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, unit_of_work
from neo4j import exceptions as neo4j_errors
from neo4j.time import DateTime as Neo4jDateTime

from kenning.domain.models import NO_CATEGORY, CategoryFilter, Scope, utcnow
from kenning.errors import Conflict, StoreBusy, StoreError, StoreUnavailable
from kenning.store import base
from kenning.store.base import CypherStore, Row, _when, fulltext_words
from kenning.store.limits import StoreLimits
from kenning.store.port import ScoredId, SearchKind, TermMatches, VectorKind
from kenning.store.stop_words import STOP_WORDS
from kenning.store.temporal_port import ChainKey

T = TypeVar("T")

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
#: A value the standard analyser turns into at least one token.
_HAS_TOKEN = re.compile(r"[^\W_]")
#: Which properties of the scoped full-text indexes hold searchable text.
_TEXT_FIELDS: dict[str, tuple[str, ...]] = {"episode": ("content", "speaker"), "fact": ("text",)}
#: ANN candidates grow by this factor, at most :data:`_ANN_WIDENINGS` times,
#: while too few of them are in scope.
_ANN_GROWTH = 4
_ANN_WIDENINGS = 2
#: Full-text hits fetched per page when paging for in-scope matches.
_FULLTEXT_PAGE_MIN = 100
_FULLTEXT_MAX_PAGES = 20
_UNAVAILABLE = (
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
    neo4j_errors.TransientError,
    OSError,
)
# The driver's words when its pool had no connection within
# connection_acquisition_timeout (ConnectionAcquisitionTimeoutError in 6.x,
# a ClientError in 5.x): back-pressure, not an outage.
_POOL_EXHAUSTED = "failed to obtain a connection from the pool"
#: A write that a uniqueness constraint refused (ids per tenant, keys per space).
_CONSTRAINT_FAILED = "Neo.ClientError.Schema.ConstraintValidationFailed"
#: What a schema statement answers when another process created the same index
#: or constraint between its ``IF NOT EXISTS`` check and this one's.
_SCHEMA_RACE = frozenset(
    {
        "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
        "Neo.ClientError.Schema.IndexAlreadyExists",
        "Neo.ClientError.Schema.ConstraintAlreadyExists",
    }
)
#: Seconds to open a TCP connection to a server.
CONNECT_TIMEOUT_S = 5.0
#: Seconds the driver keeps retrying a transaction that failed transiently (a
#: cluster leader change); a server that is down answers 503 after about this.
TX_RETRY_S = 2.0


class Neo4jStore(CypherStore):
    """GraphStore on a Neo4j server, cluster or Aura.

    Args:
        url: ``neo4j://``, ``neo4j+s://`` or ``bolt://`` URL.
        user: Basic-auth user.
        password: Basic-auth password.
        database: Database name; default ``neo4j``.
        limits: Pool size and timeouts; default :class:`StoreLimits`. The
            driver pool holds ``limits.connections`` connections and waits
            ``limits.pool_timeout_s`` for one, plus :data:`CONNECT_TIMEOUT_S`
            to open it; each transaction carries the
            read or write timeout, which the server enforces too.
    """

    dialect = "neo4j"
    extra_queries = ("await_indexes", "lock_chains")
    #: Seconds to wait for indexes to come online after schema set-up.
    index_timeout_s = 300
    #: A cold Neo4j compiles each query once; measured on 2 cores: 0.3-16 s
    #: per query (write queries the longest) under a load average of 20, so
    #: a first run gets this much beyond the read or write timeout.
    first_plan_grace_s = 30.0

    def __init__(
        self,
        url: str,
        user: str,
        password: str,
        database: str = "neo4j",
        limits: StoreLimits | None = None,
    ) -> None:
        super().__init__(limits)
        self._url = url
        self._auth = (user, password)
        self._database = database
        self._driver: AsyncDriver | None = None
        #: The transaction of the `run_locked` call this task is inside, if
        #: any; the queries of its work run in it (a context variable is
        #: private to a task, and this one to this store).
        self._locked_tx: ContextVar[AsyncManagedTransaction | None] = ContextVar(
            "neo4j_locked_tx", default=None
        )

    async def open(self) -> None:
        """Connect, check the server answers, and create the schema. Safe to repeat."""
        if self._driver is not None:
            return
        limits = self.limits
        self._driver = AsyncGraphDatabase.driver(
            self._url,
            auth=self._auth,
            max_connection_pool_size=limits.connections,
            # The driver's acquisition deadline also bounds opening a new
            # connection (TCP, Bolt handshake, auth). With it at the pool wait
            # (2 s; 0.001 s in a test) a loaded or just restarted server
            # could not be connected to at all and every call answered 429.
            # Waiting for a turn is the gate's job (CallGate, pool_timeout_s);
            # the driver has connections to spare for every call it admits.
            connection_acquisition_timeout=limits.pool_timeout_s + CONNECT_TIMEOUT_S,
            connection_timeout=CONNECT_TIMEOUT_S,
            max_transaction_retry_time=TX_RETRY_S,
            # Notifications (e.g. "property key does not exist" on an empty
            # graph) are advice for people typing queries, not for an app log.
            notifications_min_severity="OFF",
        )
        try:
            async with asyncio.timeout(limits.socket_timeout_s):
                await self._driver.verify_connectivity()
        except TimeoutError as exc:
            await self.close()
            raise StoreUnavailable(f"Neo4j at {self._url} did not answer in time") from exc
        except _UNAVAILABLE as exc:
            await self.close()
            raise StoreUnavailable(f"Neo4j unreachable at {self._url}: {exc}") from exc
        except neo4j_errors.Neo4jError as exc:
            await self.close()
            raise StoreError(f"Neo4j refused the connection: {exc}") from exc
        try:
            await self._create_schema()
        except BaseException:
            # Closed, so the next open() (the runtime retries one that failed)
            # sets the schema up again instead of returning early on a driver
            # whose schema was never created.
            await self.close()
            raise

    async def _create_schema(self) -> None:
        for statement in self.cypher.statements("schema"):
            try:
                await self._run(statement, {}, write=True)
            except StoreError as exc:
                # Two processes starting on one fresh database race here; the
                # loser finds the rule in place, which is all it wanted.
                if getattr(exc.__cause__, "code", None) not in _SCHEMA_RACE:
                    raise
                log.info("schema rule created by another process meanwhile: %s", exc)
        # Waiting for indexes may take minutes: not a query the read timeout bounds.
        await self._transaction(
            self.cypher.query("await_indexes"),
            {"timeout_s": self.index_timeout_s},
            write=False,
            timeout_s=self.index_timeout_s + CONNECT_TIMEOUT_S,
        )

    async def close(self) -> None:
        """Close the driver (bounded in time, so shutdown ends while Neo4j hangs).
        Safe to repeat."""
        driver, self._driver = self._driver, None
        if driver is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    await driver.close()

    async def run_locked(
        self, scope: Scope, chains: Sequence[ChainKey], work: Callable[[], Awaitable[T]]
    ) -> T:
        """See :meth:`TemporalStore.run_locked`.

        One write transaction: lock the chains' nodes in sorted order, then run
        ``work`` with every query of this task inside the transaction, then
        commit. A deadlock (a TransientError) or a lost connection rolls back
        and the driver runs the whole unit again (for up to ``TX_RETRY_S`` s).

        The unit is one call of the connection gate: it holds one slot (its
        one connection) and is bounded by the write timeout as a whole, which
        the server enforces on the transaction too; the work's queries still
        pass through :meth:`_query` (observer, per-query timeout) without
        taking a second slot.

        Raises:
            StoreError: called inside another ``run_locked`` of this task.
            StoreBusy: no connection came free in time.
            StoreUnavailable: Neo4j is down, or the unit ran past the write timeout.
        """
        if self._locked_tx.get() is not None:
            raise StoreError("run_locked cannot nest: take every chain in one call")
        rows = [{"subject_key": s, "predicate": p} for s, p in sorted(set(chains))]
        lock = {**self._scope(scope), "chains": rows}

        @unit_of_work(timeout=self.limits.write_timeout_s)
        async def unit(tx: AsyncManagedTransaction) -> T:
            token = self._locked_tx.set(tx)
            try:
                await self._query("lock_chains", {**lock, "now": utcnow()}, write=True)
                return await work()
            finally:
                self._locked_tx.reset(token)

        async def call() -> T:
            return await self._execute(unit, write=True)

        return await self._gate.hold(call)

    async def _run(self, query: LiteralString, params: Row, *, write: bool) -> list[Row]:
        locked = self._locked_tx.get()
        if locked is not None:
            # Inside run_locked: driver errors go up unchanged, so that the
            # driver sees a deadlock and retries the whole unit.
            result = await locked.run(query, params)
            return [record.data() async for record in result]
        timeout = self.limits.write_timeout_s if write else self.limits.read_timeout_s
        timeout += self.plan_grace_s(query)
        return await self._transaction(query, params, write=write, timeout_s=timeout)

    async def _transaction(
        self, query: LiteralString, params: Row, *, write: bool, timeout_s: float
    ) -> list[Row]:
        # The server ends a transaction that runs longer than this, too.
        @unit_of_work(timeout=timeout_s)
        async def work(tx: AsyncManagedTransaction) -> list[Row]:
            result = await tx.run(query, params)
            return [record.data() async for record in result]

        return await self._execute(work, write=write)

    async def _execute(
        self, work: Callable[[AsyncManagedTransaction], Awaitable[T]], *, write: bool
    ) -> T:
        """Run a transaction function in a session of its own (retried by the
        driver on transient errors); driver errors as Kenning's."""
        if self._driver is None:
            raise StoreUnavailable("Neo4j store is not open")
        try:
            async with self._driver.session(database=self._database) as session:
                if write:
                    return await session.execute_write(work)
                return await session.execute_read(work)
        except (neo4j_errors.DriverError, neo4j_errors.Neo4jError) as exc:
            if _POOL_EXHAUSTED in str(exc):
                raise StoreBusy(f"no Neo4j connection came free: {exc}") from exc
            raise _translate(exc) from exc
        except OSError as exc:
            raise StoreUnavailable(f"Neo4j unreachable: {exc}") from exc

    def _instant_to_db(self, value: datetime) -> datetime:
        # Whole milliseconds, as FalkorDB keeps them: a stored instant then
        # compares equal to the same instant kept elsewhere at ms precision
        # (a fact's statements, an export read back on the other engine).
        utc = value.astimezone(UTC)
        return utc.replace(microsecond=utc.microsecond // 1000 * 1000)

    def _duration_to_db(self, value: timedelta) -> timedelta:
        # The driver sends a timedelta as a Duration, which DateTime arithmetic takes.
        return value

    def _instant_from_db(self, value: Any) -> datetime:
        if isinstance(value, Neo4jDateTime):
            value = value.to_native()
        if not isinstance(value, datetime):
            raise StoreError(f"expected a DateTime from Neo4j, got {type(value).__name__}")
        return value.astimezone(UTC)

    def _scoped_lucene(self, scope: Scope, kind: SearchKind, query: str) -> str:
        """``query`` (plain words OR-ed) on ``kind``'s text fields, AND this
        tenant and space as phrases of the index's own tokens. The scope
        clauses weigh nothing (``^0``), so scores are those of the words alone;
        a value with no token cannot be matched in the index and is left to the
        query's WHERE."""
        words = " OR ".join(f"{field}:({query})" for field in _TEXT_FIELDS[kind])
        clauses = [f"({words})"]
        for field, value in (("tenant", scope.tenant), ("space", scope.space)):
            if _HAS_TOKEN.search(value):
                phrase = value.replace("\\", "\\\\").replace('"', '\\"')
                clauses.append(f'{field}:"{phrase}"^0')
        return " AND ".join(clauses)

    async def fulltext_terms(
        self,
        scope: Scope,
        kind: SearchKind,
        terms: list[str],
        max_df: int,
        as_of: datetime,
        known_at: datetime,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[TermMatches]:
        """See :meth:`GraphStore.fulltext_terms`. Pages of ``max_df + 1``
        hits per word (at most :data:`~kenning.store.base.FULLTEXT_CANDIDATES`)
        follow while a word's page was full (other scopes whose names share its
        tokens take room), up to that many in-scope matches per word: a word
        matching more is too common to rank by, and reading it all would make
        a common word cost as much as the space is large."""
        words = [w for w in fulltext_words(terms) if w not in STOP_WORDS]
        if not words:
            return []
        page = min(base.FULLTEXT_CANDIDATES, max_df + 1)
        queries = {w: self._scoped_lucene(scope, kind, w) for w in words}
        params = {**self._scope(scope), "candidates": page, "as_of": as_of, "known_at": known_at}
        params.update(categories.params())
        found: dict[str, tuple[list[str], list[int]]] = {}
        pending = list(words)
        for number in range(_FULLTEXT_MAX_PAGES):
            rows = await self._query(
                f"fulltext_terms_{kind}",
                {
                    **params,
                    "skip": number * page,
                    "terms": [{"term": w, "query": queries[w]} for w in pending],
                },
            )
            pending = []
            for row in rows:
                ids, lengths = found.setdefault(row["term"], ([], []))
                ids += row["ids"]
                lengths += [int(x) for x in row["lengths"]]
                if row["seen"] == page and len(ids) < page:
                    pending.append(row["term"])
            if not pending:
                break
        return [
            TermMatches(
                w, len(ids), ids if len(ids) <= max_df else [], lens if len(ids) <= max_df else []
            )
            for w, (ids, lens) in found.items()
            if ids
        ]

    async def fulltext_search(
        self,
        scope: Scope,
        kind: SearchKind,
        terms: list[str],
        k: int,
        *,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[ScoredId]:
        """See :meth:`GraphStore.fulltext_search`. The index filters by scope
        itself; pages follow while time filters leave fewer than ``k`` hits."""
        query = self._fulltext_query(terms)
        if not query:  # no words left: an empty query is a syntax error in Lucene
            return []
        page = max(k * 10, _FULLTEXT_PAGE_MIN)
        params = {
            **self._scope(scope),
            "query": self._scoped_lucene(scope, kind, query),
            "candidates": page,
            **_when(as_of, known_at),
            **categories.params(),
        }
        hits: list[ScoredId] = []
        for number in range(_FULLTEXT_MAX_PAGES):
            params["skip"] = number * page
            [row] = await self._query(f"fulltext_search_{kind}", params)
            hits += [ScoredId(h["id"], float(h["score"])) for h in row["hits"]]
            if len(hits) >= k or row["seen"] < page:
                break
        return hits[:k]

    async def vector_search(
        self,
        scope: Scope,
        kind: VectorKind,
        vector: list[float],
        k: int,
        *,
        exact: bool,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[ScoredId]:
        """See :meth:`GraphStore.vector_search`. Neo4j 5 cannot filter inside
        the vector index, so an ANN search that leaves fewer than ``k`` hits in
        scope asks again for :data:`_ANN_GROWTH` times as many candidates (at
        most :data:`_ANN_WIDENINGS` times) while the index has more."""
        if exact:
            return await super().vector_search(
                scope,
                kind,
                vector,
                k,
                exact=True,
                as_of=as_of,
                known_at=known_at,
                categories=categories,
            )
        params = {**self._scope(scope), "vector": vector, **_when(as_of, known_at)}
        params.update(categories.params())
        ask = k
        for widening in range(_ANN_WIDENINGS + 1):
            [row] = await self._query(f"vector_search_{kind}", {**params, "k": ask})
            hits = [ScoredId(h["id"], float(h["score"])) for h in row["hits"]]
            if len(hits) >= k or row["seen"] < ask or widening == _ANN_WIDENINGS:
                break
            ask *= _ANN_GROWTH
        hits.sort(key=lambda h: (-h.score, h.id))  # ties by id: the same answer every time
        return hits[:k]

    def _fulltext_query(self, terms: list[str]) -> str:
        # Lucene: plain words OR-ed; anything else is dropped so a caller's
        # text can never become query syntax. Lower case, because AND, OR, NOT
        # and TO are operators (the analyzer lower-cases the index anyway).
        words = [w.lower() for term in terms for w in _WORD.findall(term)]
        return " OR ".join(w for w in words if w not in STOP_WORDS)


def _translate(exc: Exception) -> StoreError | Conflict:
    """A driver error as Kenning's: unreachable or timed out (retryable), a
    uniqueness constraint refusing the write (409), or failed."""
    if isinstance(exc, _UNAVAILABLE):
        return StoreUnavailable(f"Neo4j unreachable: {exc}")
    code = getattr(exc, "code", None) or ""
    if code == _CONSTRAINT_FAILED:
        log.warning("Neo4j refused a write by a constraint: %s", exc)
        return base.unique_conflict()
    if "TransactionTimedOut" in code:  # the server ended it at our timeout
        return StoreUnavailable(f"Neo4j transaction timed out: {exc}")
    return StoreError(f"Neo4j query failed: {exc}")

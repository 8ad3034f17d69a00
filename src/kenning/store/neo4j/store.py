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

import re
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString, TypeVar

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction
from neo4j import exceptions as neo4j_errors
from neo4j.time import DateTime as Neo4jDateTime

from kenning.domain.models import Scope, utcnow
from kenning.errors import StoreError, StoreUnavailable
from kenning.store.base import CypherStore, Row
from kenning.store.temporal_port import ChainKey

T = TypeVar("T")

_WORD = re.compile(r"\w+")
_UNAVAILABLE = (
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
    neo4j_errors.TransientError,
    OSError,
)
#: The transaction of the `run_locked` call this task is inside, if any; the
#: queries of its work run in it (a context variable is private to a task).
_LOCKED_TX: ContextVar[AsyncManagedTransaction | None] = ContextVar("_LOCKED_TX", default=None)


class Neo4jStore(CypherStore):
    """GraphStore on a Neo4j server, cluster or Aura.

    Args:
        url: ``neo4j://``, ``neo4j+s://`` or ``bolt://`` URL.
        user: Basic-auth user.
        password: Basic-auth password.
        database: Database name; default ``neo4j``.
    """

    dialect = "neo4j"
    extra_queries = ("await_indexes", "lock_chains")
    #: Seconds to wait for indexes to come online after schema set-up.
    index_timeout_s = 300

    def __init__(self, url: str, user: str, password: str, database: str = "neo4j") -> None:
        super().__init__()
        self._url = url
        self._auth = (user, password)
        self._database = database
        self._driver: AsyncDriver | None = None

    async def open(self) -> None:
        """Connect, check the server answers, and create the schema. Safe to repeat."""
        if self._driver is not None:
            return
        # Notifications (e.g. "property key does not exist" on an empty graph)
        # are advice for people typing queries, not for an application log.
        self._driver = AsyncGraphDatabase.driver(
            self._url, auth=self._auth, notifications_min_severity="OFF"
        )
        try:
            await self._driver.verify_connectivity()
        except _UNAVAILABLE as exc:
            await self.close()
            raise StoreUnavailable(f"Neo4j unreachable at {self._url}: {exc}") from exc
        except neo4j_errors.Neo4jError as exc:
            await self.close()
            raise StoreError(f"Neo4j refused the connection: {exc}") from exc
        for statement in self.cypher.statements("schema"):
            await self._run(statement, {}, write=True)
        await self._query("await_indexes", {"timeout_s": self.index_timeout_s})

    async def close(self) -> None:
        """Close the driver. Safe to repeat."""
        if self._driver is not None:
            await self._driver.close()
            self._driver = None

    async def run_locked(
        self, scope: Scope, chains: Sequence[ChainKey], work: Callable[[], Awaitable[T]]
    ) -> T:
        """See :meth:`TemporalStore.run_locked`.

        One write transaction: lock the chains' nodes in sorted order, then run
        ``work`` with every query of this task inside the transaction, then
        commit. A deadlock (a TransientError) or a lost connection rolls back
        and the driver runs the whole unit again (up to its 30 s retry time).

        Raises:
            StoreError: called inside another ``run_locked`` of this task.
        """
        if self._driver is None:
            raise StoreUnavailable("Neo4j store is not open")
        if _LOCKED_TX.get() is not None:
            raise StoreError("run_locked cannot nest: take every chain in one call")
        lock = self.cypher.query("lock_chains")
        rows = [{"subject_key": s, "predicate": p} for s, p in sorted(set(chains))]

        async def unit(tx: AsyncManagedTransaction) -> T:
            params = self._params({**self._scope(scope), "chains": rows, "now": utcnow()})
            token = _LOCKED_TX.set(tx)
            try:
                await (await tx.run(lock, params)).consume()
                return await work()
            finally:
                _LOCKED_TX.reset(token)

        try:
            async with self._driver.session(database=self._database) as session:
                return await session.execute_write(unit)
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(f"Neo4j unreachable: {exc}") from exc
        except neo4j_errors.Neo4jError as exc:
            raise StoreError(f"Neo4j query failed: {exc}") from exc

    async def _run(self, query: LiteralString, params: Row, *, write: bool) -> list[Row]:
        if self._driver is None:
            raise StoreUnavailable("Neo4j store is not open")

        async def work(tx: AsyncManagedTransaction) -> list[Row]:
            result = await tx.run(query, params)
            return [record.data() async for record in result]

        locked = _LOCKED_TX.get()
        if locked is not None:
            # Inside run_locked: driver errors go up unchanged, so that the
            # driver sees a deadlock and retries the whole unit.
            return await work(locked)
        try:
            async with self._driver.session(database=self._database) as session:
                if write:
                    return await session.execute_write(work)
                return await session.execute_read(work)
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(f"Neo4j unreachable: {exc}") from exc
        except neo4j_errors.Neo4jError as exc:
            raise StoreError(f"Neo4j query failed: {exc}") from exc

    def _instant_to_db(self, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def _duration_to_db(self, value: timedelta) -> timedelta:
        # The driver sends a timedelta as a Duration, which DateTime arithmetic takes.
        return value

    def _instant_from_db(self, value: Any) -> datetime:
        if isinstance(value, Neo4jDateTime):
            value = value.to_native()
        if not isinstance(value, datetime):
            raise StoreError(f"expected a DateTime from Neo4j, got {type(value).__name__}")
        return value.astimezone(UTC)

    def _fulltext_query(self, terms: list[str]) -> str:
        # Lucene: plain words OR-ed; anything else is dropped so a caller's
        # text can never become query syntax. Lower case, because AND, OR, NOT
        # and TO are operators (the analyzer lower-cases the index anyway).
        words = [w.lower() for term in terms for w in _WORD.findall(term)]
        return " OR ".join(words)

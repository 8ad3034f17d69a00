"""The GraphStore logic shared by both engines.

Adapters differ only in how they run a query, how they store instants and how
full-text queries are spelt; everything else (which query, which parameters,
how rows become domain models) is written once here.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal, LiteralString, TypeVar

from kenning.domain.models import (
    NO_CATEGORY,
    STORED,
    CategoryFilter,
    Entity,
    Episode,
    Fact,
    JobStatus,
    Page,
    Scope,
)
from kenning.errors import Conflict, StoreError, StoreUnavailable
from kenning.store.agent_runs_queries import AGENT_RUN_QUERIES, AgentRunQueries
from kenning.store.connector_queries import CONNECTOR_QUERIES, ConnectorQueries
from kenning.store.curator_queries import CURATOR_QUERIES, CuratorQueries
from kenning.store.cypher import CypherLibrary
from kenning.store.digest_queries import DIGEST_QUERIES, DigestQueries
from kenning.store.essential_queries import ESSENTIAL_QUERIES, EssentialQueries
from kenning.store.graph_port import TimeFilter
from kenning.store.graph_read import GRAPH_READ_QUERIES, GraphReadMixin
from kenning.store.keys_queries import KEY_QUERIES, KeyQueries
from kenning.store.limits import CallGate, StoreLimits
from kenning.store.port import (
    ClaimedEpisode,
    EntityFact,
    FactRow,
    GraphWrite,
    Mention,
    NamedEntity,
    Neighbourhood,
    NewEpisode,
    ScoredId,
    SearchKind,
    SpaceStats,
    StoredEpisodeRef,
    TermMatches,
    VectorKind,
)
from kenning.store.portable import PORTABLE_QUERIES, PortableQueries
from kenning.store.retrievals_queries import RETRIEVAL_QUERIES, RetrievalLogQueries
from kenning.store.teams_queries import TEAM_QUERIES, TeamQueries
from kenning.store.temporal_port import ChainKey, Statement
from kenning.store.temporal_queries import TEMPORAL_QUERIES, TemporalQueries, encode_statement
from kenning.store.webhooks_queries import WEBHOOK_QUERIES, WebhookQueries

Row = dict[str, Any]
#: Called after every store query with its name (a file in ``cypher/``), its
#: duration in seconds, the number of rows (None when it raised) and the
#: error it raised (None on success). Must be quick and must not raise; the
#: API feeds Prometheus with it, so ``store/`` does not depend on the API.
QueryObserver = Callable[[str, float, int | None, BaseException | None], None]
T = TypeVar("T")

_WORD = re.compile(r"[^\W_]+")
#: Most hits one full-text word may yield in one space on an engine that needs
#: a limit (Neo4j filters by scope inside the index call, so other tenants'
#: hits do not count); beyond it a word is too common to rank by.
FULLTEXT_CANDIDATES = 10000


def unique_conflict() -> Conflict:
    """What a write refused by a uniqueness constraint raises on either engine
    (ids are unique per tenant; an entity key and an episode per space): a
    409 that names the rule, never the store's own text."""
    return Conflict(
        "an item with the same id (or entity key, or episode) already exists in "
        "this tenant; a concurrent write or an import with kept ids "
        "(import with ids=new to copy within a tenant)"
    )


#: Every query a store runs; the loader fails at start if one is missing.
REQUIRED_QUERIES = (
    "schema",
    "ping",
    "add_episodes",
    "find_episodes_by_key",
    "claim_episodes",
    "write_graph",
    "set_embeddings",
    "fail_episodes",
    "renew_claims",
    "retry_failed_episodes",
    "get_job",
    "get_facts",
    "get_episodes",
    "list_facts",
    "list_entities",
    "space_stats",
    "list_spaces",
    "vector_search_fact",
    "vector_search_episode",
    "exact_search_fact",
    "exact_search_episode",
    "fulltext_search_fact",
    "fulltext_search_episode",
    *TEMPORAL_QUERIES,
    *AGENT_RUN_QUERIES,
    *CURATOR_QUERIES,
    *CONNECTOR_QUERIES,
    *DIGEST_QUERIES,
    # retrieval channels (search/channels.py)
    "vector_search_entity",
    "exact_search_entity",
    "entities_by_name",
    "entity_facts",
    "entity_episodes",
    "episode_neighbours",
    "fulltext_terms_fact",
    "fulltext_terms_episode",
    # operations and portability (observability, export/import)
    "ingest_queue",
    *PORTABLE_QUERIES,
    # access: managed API keys
    *KEY_QUERIES,
    *WEBHOOK_QUERIES,
    *TEAM_QUERIES,
    *RETRIEVAL_QUERIES,
    *ESSENTIAL_QUERIES,
)

#: Seconds within which a store answer counts as proof of health.
HEALTH_RECENT_S = 2.0
#: Seconds a health check waits for a ping (``/healthz`` answers within 1 s).
HEALTH_DEADLINE_S = 0.8

_TIME_FIELDS = frozenset(
    {"occurred_at", "recorded_at", "valid_from", "valid_to", "expired_at"}
    | {"created_at", "updated_at"}
    | {"observed_at", "stated_valid_from", "stated_valid_to"}
)


class CypherStore(
    AgentRunQueries,
    CuratorQueries,
    ConnectorQueries,
    DigestQueries,
    PortableQueries,
    TemporalQueries,
    GraphReadMixin,
    KeyQueries,
    WebhookQueries,
    TeamQueries,
    RetrievalLogQueries,
    EssentialQueries,
    ABC,
):
    """A GraphStore implemented with the queries of one Cypher dialect."""

    dialect: ClassVar[Literal["falkordb", "neo4j"]]
    #: Queries this adapter needs beyond :data:`REQUIRED_QUERIES`.
    extra_queries: ClassVar[tuple[str, ...]] = ()
    #: Seconds added to the timeout of a query's first successful run in this
    #: process: an engine that compiles a plan then (Neo4j) may need longer
    #: than the read timeout once. 0 where planning is cheap (FalkorDB).
    first_plan_grace_s: ClassVar[float] = 0.0

    def __init__(self, limits: StoreLimits | None = None) -> None:
        required = REQUIRED_QUERIES + GRAPH_READ_QUERIES + self.extra_queries
        self.cypher = CypherLibrary(self.dialect, required)
        self._observer: QueryObserver | None = None
        self.limits = limits or StoreLimits()
        self._gate = CallGate(self.limits)
        #: Query texts that have run once here (their plan is cached).
        self._planned: set[str] = set()

    @property
    def pool_waits(self) -> int:
        """Store calls so far that waited for a free connection (``/metrics``)."""
        return self._gate.waits

    @property
    def pool_wait_seconds(self) -> float:
        """Seconds those calls waited in all (``/metrics``)."""
        return self._gate.wait_seconds

    def set_observer(self, observer: QueryObserver | None) -> None:
        """Report every query from now on to ``observer`` (None: stop)."""
        self._observer = observer

    # -- what an engine adapter provides -------------------------------------

    @abstractmethod
    async def open(self) -> None:
        """Connect and create the schema. Safe to repeat."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections. Safe to repeat."""

    @abstractmethod
    async def _run(self, query: LiteralString, params: Row, *, write: bool) -> list[Row]:
        """Run one query in its own transaction; rows as column → value."""

    @abstractmethod
    async def run_locked(
        self, scope: Scope, chains: Sequence[ChainKey], work: Callable[[], Awaitable[T]]
    ) -> T:
        """Run ``work`` with ``chains`` locked across processes; see
        :meth:`~kenning.store.temporal_port.TemporalStore.run_locked`."""

    @abstractmethod
    def _instant_to_db(self, value: datetime) -> Any:
        """A UTC instant as the engine stores it."""

    @abstractmethod
    def _instant_from_db(self, value: Any) -> datetime:
        """The engine's stored instant back to an aware UTC datetime."""

    @abstractmethod
    def _fulltext_query(self, terms: list[str]) -> str:
        """Plain words as this engine's full-text syntax, matching any word."""

    def _scoped_fulltext(self, scope: Scope, kind: SearchKind, query: str) -> str:
        """``query`` (from :meth:`_fulltext_query`) on ``kind``'s text as the
        engine's full-text index is asked for it in ``scope``; by default as is
        (the query's WHERE filters by scope)."""
        return query

    def _unavailable_reason(self) -> str | None:
        """Why the store is known to be down right now (calls then fail at
        once instead of waiting out their timeout), or None."""
        return None

    # -- helpers --------------------------------------------------------------

    async def _query(self, name: str, params: Row, *, write: bool = False) -> list[Row]:
        if (reason := self._unavailable_reason()) is not None:
            raise StoreUnavailable(reason)
        query = self.cypher.query(name)
        if "$agent_id" in query:  # a category filter left out by a caller filters nothing
            params = {**NO_CATEGORY.params(), **params}
        values = self._params(params)

        async def run() -> list[Row]:
            rows = await self._run(query, values, write=write)
            self._planned.add(query)
            return rows

        # Every query of the port passes here: the one place to bound and time them.
        grace = self.plan_grace_s(query)
        observer = self._observer
        if observer is None:
            return await self._gate.run(run, write=write, grace_s=grace)
        started = time.perf_counter()
        try:
            rows = await self._gate.run(run, write=write, grace_s=grace)
        except BaseException as exc:
            observer(name, time.perf_counter() - started, None, exc)
            raise
        observer(name, time.perf_counter() - started, len(rows), None)
        return rows

    def plan_grace_s(self, query: str) -> float:
        """Extra seconds for ``query``'s timeout: :attr:`first_plan_grace_s`
        until it has run once in this process, then 0."""
        return 0.0 if query in self._planned else self.first_plan_grace_s

    def _duration_to_db(self, value: timedelta) -> Any:
        """A duration as the engine adds it to a stored instant: whole ms here
        (instants are epoch ms); Neo4j overrides it with a Duration."""
        return value // timedelta(milliseconds=1)

    def _params(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return self._instant_to_db(value)
        if isinstance(value, timedelta):
            return self._duration_to_db(value)
        if isinstance(value, dict):
            return {k: self._params(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            if _is_vector(value):
                return self._vector_to_db(value)
            return [self._params(v) for v in value]
        return value

    def _vector_to_db(self, vector: Sequence[float]) -> Any:
        """An embedding (floats only) as the driver takes it: a list here;
        FalkorDB overrides it with the text its query header needs."""
        return list(vector)

    def _times(self, row: Row) -> Row:
        return {
            k: self._instant_from_db(v) if k in _TIME_FIELDS and v is not None else v
            for k, v in row.items()
        }

    def _episode(self, row: Row) -> Episode:
        data = self._times(row)
        raw = data.pop("metadata_json", None)
        data["metadata"] = json.loads(raw) if raw else None
        return Episode.model_validate(data, context=STORED)

    def _fact(self, row: Row) -> Fact:
        data = self._times(row)
        data["episode_ids"] = list(data.get("episode_ids") or [])
        return Fact.model_validate(data, context=STORED)

    @staticmethod
    def _scope(scope: Scope) -> Row:
        return {"tenant": scope.tenant, "space": scope.space}

    # -- the port --------------------------------------------------------------

    async def ping(self) -> None:
        """Round-trip to the database."""
        await self._query("ping", {})

    async def health(self, deadline_s: float = HEALTH_DEADLINE_S) -> None:
        """Check the store answers, within ``deadline_s`` s whatever the load.

        A store that answered a query in the last :data:`HEALTH_RECENT_S` s
        counts as healthy without a round-trip; otherwise one ping runs beside
        the connection gate (on a reserved connection), so a busy pool never
        makes a healthy store look down.

        Raises:
            StoreUnavailable: the store is known to be down, or the ping failed
                or did not answer within ``deadline_s``.
        """
        if (reason := self._unavailable_reason()) is not None:
            raise StoreUnavailable(reason)
        if self._gate.answered_within(HEALTH_RECENT_S):
            return
        try:
            async with asyncio.timeout(deadline_s):
                await self._run(self.cypher.query("ping"), {}, write=False)
        except TimeoutError as exc:
            raise StoreUnavailable(
                f"the graph store did not answer within {deadline_s:g} s"
            ) from exc
        self._gate.record_answer()

    async def add_episodes(
        self, scope: Scope, job_id: str, episodes: list[NewEpisode], now: datetime
    ) -> list[StoredEpisodeRef]:
        """See :meth:`GraphStore.add_episodes`."""
        if not episodes:
            return []
        # One row per dedup key: a key repeated within the batch is one episode,
        # created (at most) by its first occurrence.
        unique: dict[str, NewEpisode] = {}
        for episode in episodes:
            unique.setdefault(episode.dedup_key, episode)
        rows = [{**asdict(e), "position": i} for i, e in enumerate(unique.values())]
        params = {**self._scope(scope), "job_id": job_id, "now": now, "episodes": rows}
        result = await self._query("add_episodes", params, write=True)
        keys = list(unique)
        # collect() after MERGE does not keep input order on every engine.
        refs = {keys[r["position"]]: r for r in result[0]["refs"]}
        return [
            StoredEpisodeRef(
                id=refs[e.dedup_key]["id"],
                created=bool(refs[e.dedup_key]["created"]) and unique[e.dedup_key] is e,
            )
            for e in episodes
        ]

    async def episode_hashes(self, scope: Scope, dedup_keys: list[str]) -> dict[str, str]:
        """See :meth:`GraphStore.episode_hashes`."""
        params = {**self._scope(scope), "keys": dedup_keys}
        rows = await self._query("find_episodes_by_key", params)
        return {r["dedup_key"]: r["content_hash"] for r in rows}

    async def claim_episodes(
        self,
        limit: int,
        now: datetime,
        stale_before: datetime,
        *,
        worker: str | None = None,
        tenants: Sequence[str] = (),
    ) -> list[ClaimedEpisode]:
        """See :meth:`GraphStore.claim_episodes`."""
        params = {
            "limit": limit,
            "now": now,
            "stale_before": stale_before,
            "worker": worker,
            "tenants": list(tenants),
        }
        rows = await self._query("claim_episodes", params, write=True)
        return [ClaimedEpisode(r["tenant"], self._episode(r["episode"])) for r in rows]

    async def renew_claims(self, scope: Scope, worker: str, ids: list[str], now: datetime) -> int:
        """See :meth:`GraphStore.renew_claims`."""
        if not ids:
            return 0
        params = {**self._scope(scope), "worker": worker, "ids": ids, "now": now}
        rows = await self._query("renew_claims", params, write=True)
        return int(rows[0]["renewed"]) if rows else 0

    async def retry_failed_episodes(self, tenant: str, job_id: str) -> int:
        """See :meth:`GraphStore.retry_failed_episodes`."""
        params = {"tenant": tenant, "job_id": job_id}
        rows = await self._query("retry_failed_episodes", params, write=True)
        return int(rows[0]["retried"]) if rows else 0

    async def write_graph(
        self, scope: Scope, write: GraphWrite, episode_ids: list[str], now: datetime
    ) -> list[str]:
        """See :meth:`GraphStore.write_graph`."""
        base = {**self._scope(scope), "now": now}
        graph = {
            "entities": [asdict(e) for e in write.entities],
            "facts": [_fact_row(f, now) for f in write.facts],
            "mentions": [asdict(m) for m in write.mentions],
        }
        rows = await self._query("write_graph", {**base, **graph}, write=True)
        stored = {r["row_id"]: r["id"] for r in rows[0]["fact_ids"]}
        dropped = [f.id for f in write.facts if f.id not in stored]
        if dropped:
            raise StoreError(f"fact rows {dropped} name an entity key missing from the write")
        vectors = {
            # Keyed by the stored id: a row that merged into an existing fact
            # still gives it a vector if it has none (e.g. a retried batch).
            "facts": [{"id": stored[k], "embedding": v} for k, v in write.fact_vectors.items()],
            "entities": [{"key": k, "embedding": v} for k, v in write.entity_vectors.items()],
            "episodes": [_episode_row(i, write) for i in episode_ids],
        }
        # Episodes turn `done` only in this second query, so a crash between
        # the two leaves them claimed; the claim lease retries them and both
        # queries merge, so a retry changes nothing already written.
        await self._query("set_embeddings", {**base, **vectors}, write=True)
        return [stored[f.id] for f in write.facts]

    async def fail_episodes(self, tenant: str, ids: list[str], error: str) -> None:
        """See :meth:`GraphStore.fail_episodes`."""
        params = {"tenant": tenant, "ids": ids, "error": error[:2000]}
        await self._query("fail_episodes", params, write=True)

    async def get_job(
        self, tenant: str, job_id: str, stale_before: datetime | None = None
    ) -> JobStatus | None:
        """See :meth:`GraphStore.get_job`."""
        rows = await self._query("get_job", {"tenant": tenant, "job_id": job_id})
        if not rows:
            return None
        row = self._times(rows[0])
        counts: Counter[str] = Counter(row["statuses"])
        claimed = [self._instant_from_db(c) for c in row.get("claimed") or [] if c is not None]
        stuck = sum(1 for c in claimed if c < stale_before) if stale_before else 0
        return JobStatus(
            id=row["id"],
            space=row["space"],
            created_at=row["created_at"],
            total=row["total"],
            pending=counts["pending"],
            processing=counts["processing"],
            done=counts["done"],
            failed=counts["failed"],
            stuck=stuck,
            errors=sorted({e for e in row["errors"] if e})[:10],
            extraction_fallbacks=int(row.get("fallbacks") or 0),
            llm_input_tokens=int(row.get("input_tokens") or 0),
            llm_output_tokens=int(row.get("output_tokens") or 0),
            extraction_seconds=float(row.get("seconds") or 0.0),
        )

    async def get_facts(self, scope: Scope, ids: list[str]) -> list[Fact]:
        """See :meth:`GraphStore.get_facts`."""
        rows = await self._query("get_facts", {**self._scope(scope), "ids": ids})
        return [self._fact(r["fact"]) for r in rows]

    async def get_episodes(self, scope: Scope, ids: list[str]) -> list[Episode]:
        """See :meth:`GraphStore.get_episodes`."""
        rows = await self._query("get_episodes", {**self._scope(scope), "ids": ids})
        return [self._episode(r["episode"]) for r in rows]

    async def list_facts(
        self,
        scope: Scope,
        after: str,
        limit: int,
        *,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> Page[Fact]:
        """See :meth:`GraphStore.list_facts`."""
        params = {**self._scope(scope), "after": after, "limit": limit, **_when(as_of, known_at)}
        params.update(categories.params())
        items = [self._fact(r["fact"]) for r in await self._query("list_facts", params)]
        return Page[Fact](items=items, next_after=items[-1].id if len(items) == limit else None)

    async def list_entities(self, scope: Scope, after: str, limit: int) -> Page[Entity]:
        """See :meth:`GraphStore.list_entities`."""
        params = {**self._scope(scope), "after": after, "limit": limit}
        rows = await self._query("list_entities", params)
        items = [Entity.model_validate(self._times(r["entity"]), context=STORED) for r in rows]
        return Page[Entity](items=items, next_after=items[-1].id if len(items) == limit else None)

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
        """See :meth:`GraphStore.vector_search`."""
        name = f"{'exact' if exact else 'vector'}_search_{kind}"
        params = {**self._scope(scope), "vector": vector, "k": k, **_when(as_of, known_at)}
        params.update(categories.params())
        return [ScoredId(r["id"], float(r["score"])) for r in await self._query(name, params)]

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
        """See :meth:`GraphStore.fulltext_search`."""
        query = self._fulltext_query(terms)
        if not query:  # no words left: an empty query is a syntax error in Lucene
            return []
        params = {
            **self._scope(scope),
            "query": self._scoped_fulltext(scope, kind, query),
            "k": k,
            "candidates": k * 10,
            **_when(as_of, known_at),
            **categories.params(),
        }
        rows = await self._query(f"fulltext_search_{kind}", params)
        return [ScoredId(r["id"], float(r["score"])) for r in rows]

    async def ingest_queue(self) -> dict[str, int]:
        """See :meth:`GraphStore.ingest_queue`."""
        rows = await self._query("ingest_queue", {})
        return {r["status"]: int(r["episodes"]) for r in rows}

    async def space_stats(self, scope: Scope) -> SpaceStats:
        """See :meth:`GraphStore.space_stats`."""
        row = (await self._query("space_stats", self._scope(scope)))[0]
        return SpaceStats(scope.space, row["episodes"], row["entities"], row["facts"])

    async def list_spaces(self, tenant: str) -> list[str]:
        """See :meth:`GraphStore.list_spaces`."""
        rows = await self._query("list_spaces", {"tenant": tenant})
        return sorted(r["space"] for r in rows)

    async def entities_by_name(self, scope: Scope, keys: list[str]) -> list[NamedEntity]:
        """See :meth:`GraphStore.entities_by_name`."""
        if not keys:
            return []
        rows = await self._query("entities_by_name", {**self._scope(scope), "keys": keys})
        return [NamedEntity(r["id"], r["key"]) for r in rows]

    async def entity_facts(
        self,
        scope: Scope,
        seeds: list[str],
        as_of: datetime,
        known_at: datetime,
        max_degree: int,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[EntityFact]:
        """See :meth:`GraphStore.entity_facts`."""
        if not seeds:
            return []
        params = {
            **self._scope(scope),
            "seeds": seeds,
            "as_of": as_of,
            "known_at": known_at,
            "max_degree": max_degree,
            **categories.params(),
        }
        rows = await self._query("entity_facts", params)
        return [EntityFact(r["seed"], r["id"], list(r["second"] or [])) for r in rows]

    async def entity_episodes(
        self,
        scope: Scope,
        seeds: list[str],
        known_at: datetime,
        max_mentions: int,
        candidates: list[str],
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[Mention]:
        """See :meth:`GraphStore.entity_episodes`."""
        if not seeds:
            return []
        params = {
            **self._scope(scope),
            "seeds": seeds,
            "known_at": known_at,
            "max_mentions": max_mentions,
            "candidates": candidates,
            **categories.params(),
        }
        rows = await self._query("entity_episodes", params)
        return [Mention(r["seed"], r["id"], int(r["mentions"])) for r in rows]

    async def episode_neighbours(
        self,
        scope: Scope,
        seeds: list[str],
        radius: int,
        window: timedelta,
        known_at: datetime,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[Neighbourhood]:
        """See :meth:`GraphStore.episode_neighbours`."""
        if not seeds or radius < 1:
            return []
        params = {
            **self._scope(scope),
            "seeds": seeds,
            "radius": radius,
            "window": window,
            "known_at": known_at,
            **categories.params(),
        }
        rows = await self._query("episode_neighbours", params)
        return [Neighbourhood(r["seed"], list(r["ids"] or [])) for r in rows]

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
        """See :meth:`GraphStore.fulltext_terms`. Every match of a word in the
        scope is read (a cap per word inside the query broke matching on
        FalkorDB 4.16: see cypher/falkordb/fulltext_terms_fact.cypher)."""
        words = [w for w in fulltext_words(terms) if self._fulltext_query([w])]
        if not words:
            return []
        rows = [
            {"term": w, "query": self._scoped_fulltext(scope, kind, self._fulltext_query([w]))}
            for w in words
        ]
        params = {
            **self._scope(scope),
            "terms": rows,
            "max_df": max_df,
            "as_of": as_of,
            "known_at": known_at,
            **categories.params(),
        }
        rows = await self._query(f"fulltext_terms_{kind}", params)
        return [
            TermMatches(r["term"], int(r["df"]), list(r["ids"]), [int(x) for x in r["lengths"]])
            for r in rows
        ]


def fulltext_words(terms: list[str]) -> list[str]:
    """The distinct lower-cased plain words of ``terms``, in order: one per
    index call, since anything else could become query syntax."""
    return list(dict.fromkeys(w for t in terms for w in _WORD.findall(t.lower())))


def _is_vector(value: Sequence[Any]) -> bool:
    """True for a non-empty sequence of floats only (an embedding): nothing in
    it needs converting, so :meth:`CypherStore._params` does not walk its
    384 items one call each."""
    return bool(value) and all(type(v) is float for v in value)


def _when(as_of: datetime | None, known_at: datetime | None) -> Row:
    """``$as_of`` (valid time) and ``$known_at`` (transaction time); None is now."""
    return asdict(TimeFilter.resolve(as_of, known_at))


def _episode_row(episode_id: str, write: GraphWrite) -> Row:
    """An episode turning ``done``: its vector and how it was extracted
    (``extractor`` None: not extracted here, e.g. a retried write)."""
    how = write.episode_extraction.get(episode_id)
    return {
        "id": episode_id,
        "embedding": write.episode_vectors.get(episode_id),
        **(asdict(how) if how else {"extractor": None, "fallback": None}),
    }


def _fact_row(row: FactRow, now: datetime) -> Row:
    """A fact row as query parameters, its statements as JSON text (a row
    without statements is one, observed at ``observed_at`` or ``now``)."""
    statements = row.statements or [
        Statement(
            tuple(row.episode_ids),
            row.valid_from,
            row.valid_to,
            row.observed_at or now,
            row.confidence,
        )
    ]
    params = asdict(row)
    params["statements"] = [encode_statement(s) for s in statements]
    return params

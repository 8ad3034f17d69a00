"""The GraphStore port: every database access in Kenning goes through it.

Methods are async and batch-first. Every read and write is filtered by
tenant and space; the tenant always comes from the caller's credentials.
Reads that take ``categories`` (a :class:`~kenning.domain.models.CategoryFilter`)
keep only the episodes and facts carrying every tag it names (default: all).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from kenning.domain.models import (
    NO_CATEGORY,
    CategoryFilter,
    Entity,
    Episode,
    Fact,
    JobStatus,
    Page,
    Scope,
)
from kenning.store.agent_runs_port import AgentRunStore
from kenning.store.connector_port import ConnectorStore
from kenning.store.curator_port import CuratorStore
from kenning.store.digest_port import DigestStore
from kenning.store.essential_port import EssentialStore
from kenning.store.graph_port import GraphReadStore
from kenning.store.keys_port import KeyStore
from kenning.store.portable_port import PortableStore
from kenning.store.retrievals_port import RetrievalLogStore
from kenning.store.teams_port import TeamStore
from kenning.store.temporal_port import Statement, TemporalStore
from kenning.store.webhooks_port import WebhookStore

#: Dimension of every vector index. all-MiniLM-L6-v2 gives 384; a model of
#: another size needs new indexes, so start-up refuses it (see app wiring).
VECTOR_DIMENSION = 384

SearchKind = Literal["fact", "episode"]
#: What the vector channel searches: facts, episodes and entities.
VectorKind = Literal["fact", "episode", "entity"]


@dataclass(frozen=True, slots=True)
class NewEpisode:
    """An episode row to store as ``pending``."""

    id: str
    dedup_key: str
    role: str
    speaker: str | None
    content: str
    content_hash: str
    occurred_at: datetime
    idempotency_key: str | None = None
    source: str | None = None
    metadata_json: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    app_id: str | None = None
    #: Never shared with a team (nor facts drawn only from it).
    private: bool = False


@dataclass(frozen=True, slots=True)
class StoredEpisodeRef:
    """What ``add_episodes`` answers for each input, in input order."""

    id: str
    created: bool


@dataclass(frozen=True, slots=True)
class ClaimedEpisode:
    """An episode claimed by a worker, with its scope."""

    tenant: str
    episode: Episode


@dataclass(frozen=True, slots=True)
class EntityRow:
    """An entity to merge on ``(tenant, space, key)``."""

    id: str
    key: str
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class FactRow:
    """A fact between two entities (by key).

    Its statements join a live fact of the same (subject, predicate, object)
    if there is one; supersession then splits a functional chain where a
    value returns after another (see :mod:`kenning.temporal.restatement`).
    ``valid_from``, ``valid_to`` and ``observed_at`` are the statements merged
    (earliest start, latest end, earliest observation).
    """

    id: str
    subject_key: str
    predicate: str
    object_key: str
    text: str
    confidence: float
    valid_from: datetime | None
    valid_to: datetime | None
    episode_ids: list[str]
    agent_id: str | None = None
    run_id: str | None = None
    app_id: str | None = None
    #: Earliest ``occurred_at`` of the episodes stating it; None: when written.
    observed_at: datetime | None = None
    #: One per episode (or post) that stated it; empty: the row's own fields
    #: are one statement, observed at ``observed_at`` or when written.
    statements: list[Statement] = field(default_factory=list)
    #: What made it (``Fact.extractor``), set when the fact is created.
    extractor: str | None = None
    #: The extractor marked it sensitive; stored as ``private: true``.
    private: bool = False


@dataclass(frozen=True, slots=True)
class EpisodeExtraction:
    """How an episode was extracted, recorded on it when it turns ``done``.

    ``fallback`` says why an LLM extraction fell back to spaCy (None: it did
    not); tokens are the episode's share of its LLM calls; ``seconds`` its
    share of extraction time.
    """

    extractor: str
    fallback: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class MentionRow:
    """``(:Episode {id})-[:MENTIONS]->(:Entity {key})``."""

    episode_id: str
    key: str


@dataclass(slots=True)
class GraphWrite:
    """Everything one scope's batch writes, embeddings included.

    Vectors are ``list[float]`` of :data:`VECTOR_DIMENSION`, unit length.
    """

    entities: list[EntityRow] = field(default_factory=list)
    facts: list[FactRow] = field(default_factory=list)
    mentions: list[MentionRow] = field(default_factory=list)
    entity_vectors: dict[str, list[float]] = field(default_factory=dict)  # by key
    fact_vectors: dict[str, list[float]] = field(default_factory=dict)  # by row id
    episode_vectors: dict[str, list[float]] = field(default_factory=dict)  # by id
    episode_extraction: dict[str, EpisodeExtraction] = field(default_factory=dict)  # by id


@dataclass(frozen=True, slots=True)
class ScoredId:
    """An id with a channel's score (higher is better)."""

    id: str
    score: float


@dataclass(frozen=True, slots=True)
class NamedEntity:
    """An entity named in a query."""

    id: str
    key: str


@dataclass(frozen=True, slots=True)
class EntityFact:
    """A fact of a seed entity (hop 1) and the facts one hop further (hop 2)."""

    seed: str
    id: str
    second: list[str]


@dataclass(frozen=True, slots=True)
class Mention:
    """An episode mentioning a seed entity; ``mentions`` counts the seed's
    episodes in the space (a speaker is mentioned by most)."""

    seed: str
    id: str
    mentions: int


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """Episode ids around a seed episode in the order they were said (the seed
    included)."""

    seed: str
    ids: list[str]


@dataclass(frozen=True, slots=True)
class TermMatches:
    """One query word in a full-text index: how many items of the space match
    it (``df``) and, unless there are too many, which ones and their lengths
    in characters."""

    term: str
    df: int
    ids: list[str]
    lengths: list[int]


@dataclass(frozen=True, slots=True)
class SpaceStats:
    """Counts in one space."""

    space: str
    episodes: int
    entities: int
    facts: int


class GraphStore(
    AgentRunStore,
    CuratorStore,
    ConnectorStore,
    DigestStore,
    PortableStore,
    TemporalStore,
    GraphReadStore,
    KeyStore,
    WebhookStore,
    TeamStore,
    RetrievalLogStore,
    EssentialStore,
    Protocol,
):
    """The storage port. Both adapters pass one contract test suite.

    All methods raise :class:`~kenning.errors.StoreUnavailable` when the
    database cannot be reached (retryable) and
    :class:`~kenning.errors.StoreError` for other database failures.
    """

    @property
    def dialect(self) -> Literal["falkordb", "neo4j"]:
        """Which Cypher dialect (and engine) serves this store."""

    async def open(self) -> None:
        """Connect and create constraints and indexes. Safe to repeat."""

    async def close(self) -> None:
        """Release connections (and stop an embedded server). Safe to repeat."""

    async def ping(self) -> None:
        """Round-trip to the database; raises StoreUnavailable if it is down."""

    def set_observer(
        self, observer: Callable[[str, float, int | None, BaseException | None], None] | None
    ) -> None:
        """Report every query to ``observer(name, seconds, rows, error)`` from
        now on (``rows`` None and ``error`` set when it raised); None stops."""

    async def ingest_queue(self) -> dict[str, int]:
        """Episodes per status among ``pending`` and ``processing``, across all
        tenants (an operator's count for ``/metrics``)."""

    async def health(self, deadline_s: float = 0.8) -> None:
        """Raise StoreUnavailable unless the store answered recently or answers
        a ping within ``deadline_s`` s; never waits behind queued queries."""

    async def add_episodes(
        self, scope: Scope, job_id: str, episodes: list[NewEpisode], now: datetime
    ) -> list[StoredEpisodeRef]:
        """Store episodes as ``pending`` and a job over them, in one transaction.

        Idempotent: an episode whose ``dedup_key`` exists in the space is not
        written again; its existing id comes back with ``created=False``.
        """

    async def episode_hashes(self, scope: Scope, dedup_keys: list[str]) -> dict[str, str]:
        """Content hash of each stored episode among ``dedup_keys`` (absent keys omitted)."""

    async def claim_episodes(
        self,
        limit: int,
        now: datetime,
        stale_before: datetime,
        *,
        worker: str | None = None,
        tenants: Sequence[str] = (),
    ) -> list[ClaimedEpisode]:
        """Atomically mark up to ``limit`` pending episodes (of ``tenants``;
        empty: any tenant) as
        ``processing``, claimed at ``now`` by ``worker``; claims older than
        ``stale_before`` (a worker that stopped renewing them) are taken
        again, so work survives a crash, and so are ``worker``'s own claims
        still processing (a worker claims only when it holds no batch, so
        those were dropped by an outage mid-batch). ``worker`` None: an
        anonymous claim that no heartbeat renews."""

    async def renew_claims(self, scope: Scope, worker: str, ids: list[str], now: datetime) -> int:
        """Heartbeat: set the claim instant of those ``ids`` that are still
        ``processing`` under ``worker``'s claim to ``now``; returns how many.
        Safe to repeat."""

    async def retry_failed_episodes(self, tenant: str, job_id: str) -> int:
        """Set a job's ``failed`` episodes back to ``pending`` (error cleared);
        returns how many (0 also for an unknown job)."""

    async def write_graph(
        self, scope: Scope, write: GraphWrite, episode_ids: list[str], now: datetime
    ) -> list[str]:
        """Merge entities, facts and mentions, set embeddings, and mark
        ``episode_ids`` done. Safe to repeat with the same rows.

        Returns the stored id of each fact row, in order (an existing fact's
        id where the row merged into it)."""

    async def fail_episodes(self, tenant: str, ids: list[str], error: str) -> None:
        """Mark episodes ``failed`` with ``error`` (they can be retried)."""

    async def get_job(
        self, tenant: str, job_id: str, stale_before: datetime | None = None
    ) -> JobStatus | None:
        """Progress of a job, or None when the tenant has no such job.
        ``stuck`` counts episodes in processing claimed before
        ``stale_before`` (a lease that ran out); 0 when it is None."""

    async def get_facts(self, scope: Scope, ids: list[str]) -> list[Fact]:
        """Facts by id (unknown ids are skipped); order not guaranteed."""

    async def get_episodes(self, scope: Scope, ids: list[str]) -> list[Episode]:
        """Episodes by id (unknown ids are skipped); order not guaranteed."""

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
        """Facts with id > ``after`` in id (creation) order, valid at ``as_of``
        and known at ``known_at`` (None: now)."""

    async def list_entities(self, scope: Scope, after: str, limit: int) -> Page[Entity]:
        """Entities with id > ``after`` in id (creation) order."""

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
        """Nearest ``kind`` items by cosine similarity in [-1, 1], best first.

        Facts must be valid at ``as_of`` and known at ``known_at``; episodes
        recorded by ``known_at`` (None: now).

        ``exact`` scans the space; otherwise the shared ANN index is asked for
        ``k`` candidates across all scopes, then filtered to this scope (the
        caller oversamples).
        """

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
        """Items matching any of ``terms`` (plain words), best first; time as
        in :meth:`vector_search`."""

    async def space_stats(self, scope: Scope) -> SpaceStats:
        """Counts of episodes, entities and facts in the space."""

    async def fulltext_terms(
        self,
        scope: Scope,
        kind: SearchKind,
        terms: list[str],
        max_df: int,
        as_of: datetime,
        known_at: datetime,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[TermMatches]:
        """Per plain word, the ``kind`` items of the space that match it
        (facts valid at ``as_of``; both known at ``known_at``); ids only for
        words matching at most ``max_df`` items. Words with no match are left out.
        A fact matches on its text; an episode on its content or its speaker."""

    async def entities_by_name(self, scope: Scope, keys: list[str]) -> list[NamedEntity]:
        """Entities whose key, or an alias, is one of ``keys`` (normalised names)."""

    async def entity_facts(
        self,
        scope: Scope,
        seeds: list[str],
        as_of: datetime,
        known_at: datetime,
        max_degree: int,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[EntityFact]:
        """Facts of the ``seeds`` entities valid at ``as_of`` and known at
        ``known_at``, each with the facts of its other end (hop 2) when that
        end has at most ``max_degree`` facts."""

    async def entity_episodes(
        self,
        scope: Scope,
        seeds: list[str],
        known_at: datetime,
        max_mentions: int,
        candidates: list[str],
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[Mention]:
        """Episodes known at ``known_at`` that mention the ``seeds`` entities;
        for a seed mentioned by more than ``max_mentions`` episodes, only those
        among ``candidates`` (episode ids)."""

    async def episode_neighbours(
        self,
        scope: Scope,
        seeds: list[str],
        radius: int,
        window: timedelta,
        known_at: datetime,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[Neighbourhood]:
        """For each seed episode, up to ``radius`` episodes on each side in
        (occurred_at, id) order, said within ``window`` of it."""

    async def list_spaces(self, tenant: str) -> list[str]:
        """Spaces of the tenant that hold at least one episode or entity."""

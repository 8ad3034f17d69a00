"""GraphQL object types over the domain models.

Fields that reach other objects (a fact's subject and sources, an entity's
facts) go through the request's DataLoaders, so lists never cost a query per
item. Times are ``DateTime`` (ISO 8601, UTC).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from kenning.api.graphql.agents import InsightStatusEnum, InsightType, entity_insights
from kenning.api.graphql.context import GraphContext
from kenning.api.graphql.inputs import times
from kenning.domain.ids import entity_key
from kenning.domain.models import Entity, Episode, Fact, JobStatus, SearchHit, SharedFrom
from kenning.errors import NotFound
from kenning.graph.service import (
    GraphNode,
    GraphPath,
    Subgraph,
    check_range,
    normalise_predicates,
)
from kenning.store.graph_port import FactEdge, TimeFilter
from kenning.store.port import SpaceStats

Ctx = Info[GraphContext, None]

#: Default and largest number of facts ``Entity.facts`` returns per entity.
ENTITY_FACTS_DEFAULT = 20
ENTITY_FACTS_MAX = 100


@strawberry.type(description="A half-open time interval [from, to); null means unbounded.")
class Interval:
    start: datetime | None = strawberry.field(name="from")
    end: datetime | None = strawberry.field(name="to")


@strawberry.type(description="Where a shared item comes from: the sharing space and the team.")
class SharedFromType:
    space: str
    team: str

    @classmethod
    def of(cls, s: SharedFrom | None) -> SharedFromType | None:
        """The view of a source, or None for the reader's own item."""
        return cls(space=s.space, team=s.team) if s else None


@strawberry.type(name="Entity", description="A node of the memory graph, unique per space.")
class EntityType:
    id: strawberry.ID
    space: str
    name: str
    type: str
    aliases: list[str]
    summary: str | None
    created_at: datetime
    updated_at: datetime
    shared_from: SharedFromType | None = strawberry.field(
        description="Set on an entity of a subgraph another space shares with a team of "
        "the reader (an end of a shared fact): its `facts` are then the shared ones only, "
        "and its `insights` empty."
    )
    #: The space whose read reached this entity (None: read in its own space).
    reader: strawberry.Private[str | None]

    @classmethod
    def of(
        cls, e: Entity, shared_from: SharedFromType | None = None, reader: str | None = None
    ) -> EntityType:
        """The GraphQL view of an entity; ``shared_from`` and ``reader`` for
        one reached through a shared fact."""
        return cls(
            id=strawberry.ID(e.id),
            space=e.space,
            name=e.name,
            type=e.type,
            aliases=e.aliases,
            summary=e.summary,
            created_at=e.created_at,
            updated_at=e.updated_at,
            shared_from=shared_from,
            reader=reader,
        )

    @strawberry.field(description="Facts with this entity as subject or object, newest first.")
    async def facts(
        self,
        info: Ctx,
        predicates: list[str] | None = None,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        first: int = ENTITY_FACTS_DEFAULT,
    ) -> list[FactType]:
        check_range("first", first, 1, ENTITY_FACTS_MAX)
        preds = normalise_predicates(predicates)
        at = times(as_of, known_at)
        if self.shared_from is not None:
            return await self._shared_facts(info, preds, at, first)
        info.context.scope(self.space)  # only a space the key may read
        key = (self.space, str(self.id), tuple(preds) if preds is not None else None)
        edges = await info.context.loaders.entity_facts.load((*key, at, first))
        return [FactType.of(e, self.reader) for e in edges]

    async def _shared_facts(
        self, info: Ctx, preds: list[str] | None, at: TimeFilter, first: int
    ) -> list[FactType]:
        # Only the facts the reader's teams share around this entity: never
        # its other facts in the sharing space (private or outside the share).
        if self.reader is None:
            return []
        edges = await info.context.shared_edges.load((self.reader, at))
        mine = [
            e.edge
            for e in edges
            if str(self.id) in (e.subject.id, e.object.id)
            and (preds is None or e.edge.fact.predicate in preds)
        ]
        mine.sort(key=lambda e: (e.fact.recorded_at, e.fact.id), reverse=True)
        return [FactType.of(e, self.reader) for e in mine[:first]]

    @strawberry.field(
        description="Insights about this entity, newest first (default: open); empty for "
        "an entity another space shares (insights are not shared)."
    )
    async def insights(
        self,
        info: Ctx,
        status: InsightStatusEnum | None = InsightStatusEnum.OPEN,
        first: int = ENTITY_FACTS_DEFAULT,
    ) -> list[InsightType]:
        if self.shared_from is not None:
            return []
        return await entity_insights(info, self.space, str(self.id), status, first)


@strawberry.type(name="Episode", description="A stored message or document: the raw truth.")
class EpisodeType:
    id: strawberry.ID
    space: str
    role: str
    speaker: str | None
    content: str
    occurred_at: datetime
    recorded_at: datetime
    status: str
    source: str | None
    metadata: JSON | None
    agent_id: str | None
    run_id: str | None
    app_id: str | None

    @classmethod
    def of(cls, e: Episode) -> EpisodeType:
        """The GraphQL view of an episode."""
        return cls(
            id=strawberry.ID(e.id),
            space=e.space,
            role=e.role,
            speaker=e.speaker,
            content=e.content,
            occurred_at=e.occurred_at,
            recorded_at=e.recorded_at,
            status=e.status.value,
            source=e.source,
            metadata=cast(JSON, e.metadata),
            agent_id=e.agent_id,
            run_id=e.run_id,
            app_id=e.app_id,
        )


@strawberry.type(name="Fact", description="subject –predicate→ object, with its intervals.")
class FactType:
    id: strawberry.ID
    space: str
    predicate: str
    text: str
    confidence: float
    valid: Interval = strawberry.field(description="Valid time: when it is true in the world.")
    known: Interval = strawberry.field(
        description="Transaction time: from when memory recorded it until it was expired."
    )
    superseded_by: strawberry.ID | None
    episode_ids: list[strawberry.ID]
    agent_id: str | None
    run_id: str | None
    app_id: str | None
    subject_name: str
    object_name: str
    private: bool = strawberry.field(description="Never shared with a team.")
    shared_from: SharedFromType | None = strawberry.field(
        description="Set on a fact another space shares with a team of the reader."
    )
    subject_id: strawberry.Private[str | None]
    object_id: strawberry.Private[str | None]
    #: The space whose read returned this fact (None: read in its own space).
    reader: strawberry.Private[str | None]

    @classmethod
    def of(cls, item: FactEdge | Fact, reader: str | None = None) -> FactType:
        """The GraphQL view of a fact (entity ids when the store gave them);
        ``reader``: the space read, so a shared fact's ends stay shared."""
        f, sid, oid = (
            (item.fact, item.subject_id, item.object_id)
            if isinstance(item, FactEdge)
            else (item, None, None)
        )
        return cls(
            id=strawberry.ID(f.id),
            space=f.space,
            predicate=f.predicate,
            text=f.text,
            confidence=f.confidence,
            valid=Interval(start=f.valid_from, end=f.valid_to),
            known=Interval(start=f.recorded_at, end=f.expired_at),
            superseded_by=strawberry.ID(f.superseded_by) if f.superseded_by else None,
            episode_ids=[strawberry.ID(i) for i in f.episode_ids],
            agent_id=f.agent_id,
            run_id=f.run_id,
            app_id=f.app_id,
            subject_name=f.subject,
            object_name=f.object,
            private=f.private,
            shared_from=SharedFromType.of(f.shared_from),
            subject_id=sid,
            object_id=oid,
            reader=reader,
        )

    async def _entity(self, info: Ctx, entity_id: str | None, name: str) -> EntityType | None:
        loaders = info.context.loaders
        if entity_id is not None:
            found = await loaders.entity.load((self.space, entity_id))
        else:
            found = await loaders.entity_by_key.load((self.space, entity_key(name)))
        # A shared fact's ends belong to the shared subgraph: the reader sees
        # them (read in the sharing space), marked, and only their shared facts.
        return EntityType.of(found, self.shared_from, self.reader) if found else None

    @strawberry.field(description="The entity the fact is about.")
    async def subject(self, info: Ctx) -> EntityType | None:
        return await self._entity(info, self.subject_id, self.subject_name)

    @strawberry.field(description="The entity or value the fact points to.")
    async def object(self, info: Ctx) -> EntityType | None:
        return await self._entity(info, self.object_id, self.object_name)

    @strawberry.field(
        description="The episodes the fact was extracted from; empty for a fact another "
        "space shares (episodes are never shared, private or not)."
    )
    async def sources(self, info: Ctx) -> list[EpisodeType]:
        if self.shared_from is not None:  # episodes are never shared
            return []
        keys = [(self.space, str(i)) for i in self.episode_ids]
        found = await info.context.loaders.episode.load_many(keys)
        return [EpisodeType.of(e) for e in found if e is not None]


@strawberry.type(
    name="GraphNode",
    description="A node of a graph view: an entity and its distance from the centre.",
)
class GraphNodeType:
    id: strawberry.ID
    name: str
    type: str
    distance: int = strawberry.field(description="Hops from the centre (0 for the centre).")
    entity: EntityType

    @classmethod
    def of(
        cls, n: GraphNode, shared_from: SharedFromType | None = None, reader: str | None = None
    ) -> GraphNodeType:
        """The view of a node; ``shared_from`` for a node of a shared subgraph."""
        return cls(
            id=strawberry.ID(n.entity.id),
            name=n.entity.name,
            type=n.entity.type,
            distance=n.distance,
            entity=EntityType.of(n.entity, shared_from, reader),
        )


@strawberry.type(description="An edge of a graph view: a fact from source to target.")
class GraphEdge:
    id: strawberry.ID
    source: strawberry.ID = strawberry.field(description="Subject entity id.")
    target: strawberry.ID = strawberry.field(description="Object entity id.")
    predicate: str
    label: str = strawberry.field(description="The fact's sentence.")
    fact: FactType

    @classmethod
    def of(cls, e: FactEdge, reader: str | None = None) -> GraphEdge:
        """The view of a fact as an edge (``reader``: the space read)."""
        return cls(
            id=strawberry.ID(e.fact.id),
            source=strawberry.ID(e.subject_id),
            target=strawberry.ID(e.object_id),
            predicate=e.fact.predicate,
            label=e.fact.text,
            fact=FactType.of(e, reader),
        )


@strawberry.type(description="Nodes and edges ready for a graph view.")
class Graph:
    nodes: list[GraphNodeType]
    edges: list[GraphEdge]
    truncated: bool = strawberry.field(description="True when `limit` cut the answer.")

    @classmethod
    def of(cls, g: Subgraph, reader: str | None = None) -> Graph:
        """The view of a subgraph read from space ``reader``: a node of
        another space is shared, marked by the first shared fact touching it."""
        edges = [GraphEdge.of(e, reader) for e in g.edges]
        via: dict[str, SharedFromType | None] = {}
        for e in g.edges:
            for end in (e.subject_id, e.object_id):
                via.setdefault(end, SharedFromType.of(e.fact.shared_from))
        nodes = [
            GraphNodeType.of(n, via.get(n.entity.id), reader)
            if reader is not None and n.entity.space != reader
            else GraphNodeType.of(n, None, reader)
            for n in g.nodes
        ]
        return cls(nodes=nodes, edges=edges, truncated=g.truncated)


@strawberry.type(description="A shortest path: length + 1 entities and the facts between them.")
class Path:
    length: int
    nodes: list[EntityType]
    edges: list[GraphEdge]

    @classmethod
    def of(cls, p: GraphPath) -> Path:
        """The view of a path."""
        nodes = [EntityType.of(n) for n in p.nodes]
        return cls(length=len(p.edges), nodes=nodes, edges=[GraphEdge.of(e) for e in p.edges])


@strawberry.type(description="Counts in one space (the memory of one user).")
class Space:
    id: str
    episode_count: int
    entity_count: int
    fact_count: int

    @classmethod
    def of(cls, s: SpaceStats) -> Space:
        """The view of a space's counts."""
        return cls(
            id=s.space, episode_count=s.episodes, entity_count=s.entities, fact_count=s.facts
        )


@strawberry.type(description="Progress of an ingest job, read from its episodes.")
class Job:
    id: strawberry.ID
    space: str
    created_at: datetime
    total: int
    pending: int
    processing: int
    done: int
    failed: int
    stuck: int = strawberry.field(
        description="Of `processing`, episodes whose claim lease ran out (their worker "
        "died); the next worker takes them again."
    )
    finished: bool
    errors: list[str]

    @classmethod
    def of(cls, j: JobStatus) -> Job:
        """The view of a job."""
        finished = j.pending == 0 and j.processing == 0
        return cls(
            id=strawberry.ID(j.id),
            space=j.space,
            created_at=j.created_at,
            total=j.total,
            pending=j.pending,
            processing=j.processing,
            done=j.done,
            failed=j.failed,
            stuck=j.stuck,
            finished=finished,
            errors=j.errors,
        )


@strawberry.type(
    description="Episodes accepted: stored durably; extraction runs in the background."
)
class IngestResult:
    job_id: strawberry.ID
    episode_ids: list[strawberry.ID]
    created: int
    duplicates: int

    @strawberry.field(description="The job's progress now.")
    async def job(self, info: Ctx) -> Job | None:
        try:
            return Job.of(await info.context.job(str(self.job_id)))
        except NotFound:
            return None


@strawberry.enum
class HitKind(Enum):
    FACT = "fact"
    EPISODE = "episode"


@strawberry.type(description="How one retrieval channel ranked a hit (rank is 1-based).")
class ChannelScore:
    channel: str
    rank: int
    score: float


@strawberry.type(name="SearchHit", description="One fused search result, with why it came back.")
class SearchHitType:
    kind: HitKind
    id: strawberry.ID
    score: float = strawberry.field(description="Reciprocal rank fusion score.")
    channels: list[ChannelScore]
    text: str
    occurred_at: datetime | None
    fact: FactType | None
    episode: EpisodeType | None
    shared_from: SharedFromType | None = strawberry.field(
        description="Set on a hit another space shares with a team of the reader."
    )

    @classmethod
    def of(cls, h: SearchHit, reader: str | None = None) -> SearchHitType:
        """The view of a search hit (``reader``: the space searched)."""
        channels = [
            ChannelScore(channel=k, rank=c.rank, score=c.score) for k, c in h.channels.items()
        ]
        return cls(
            kind=HitKind(h.kind),
            id=strawberry.ID(h.id),
            score=h.score,
            channels=channels,
            text=h.text,
            occurred_at=h.occurred_at,
            fact=FactType.of(h.fact, reader) if h.fact else None,
            episode=EpisodeType.of(h.episode) if h.episode else None,
            shared_from=SharedFromType.of(h.shared_from),
        )

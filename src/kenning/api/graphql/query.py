"""The ``Query`` root: entities, facts, neighbourhoods, paths, search, spaces.

Every field takes the ``space`` to read; the tenant is the caller's, from the
bearer key. ``agentId``, ``runId`` and ``appId`` (facts, neighborhood, search,
timeline) keep only memory with those tags (combined with AND). Time filters:
a fact is valid at ``asOf`` when ``validFrom <= asOf < validTo`` (open ends
unbounded) and known at ``knownAt`` when ``recordedAt <= knownAt < expiredAt``;
both default to now.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from functools import partial
from typing import Annotated

import strawberry

from kenning.access.sharing import shared_centres
from kenning.api.graphql.agents import AgentQuery
from kenning.api.graphql.connections import EntityConnection, FactConnection
from kenning.api.graphql.context import GraphContext
from kenning.api.graphql.inputs import (
    EntityFilterInput,
    EntityRef,
    aware,
    decode_cursor,
    ref_args,
    times,
)
from kenning.api.graphql.timeline import TimelineEventType
from kenning.api.graphql.types import (
    Ctx,
    EntityType,
    Graph,
    Job,
    Path,
    SearchHitType,
    Space,
)
from kenning.domain.ids import entity_key, predicate_key
from kenning.domain.models import CategoryFilter
from kenning.errors import NotFound
from kenning.graph.service import check_range, merge_subgraphs, normalise_predicates
from kenning.search.recall import Ask
from kenning.store.graph_port import EntityFilter, FactFilter

DEFAULT_PAGE = 20
MAX_TOP_K = 100
#: Facts per timeline; each gives up to two events.
MAX_TIMELINE = 500


@strawberry.type
class Query(AgentQuery):
    @strawberry.field(description="One entity, by id or by name (exactly one).")
    async def entity(
        self, info: Ctx, space: str, id: strawberry.ID | None = None, name: str | None = None
    ) -> EntityType:
        scope = info.context.scope(space)
        found = await info.context.graph.entity(scope, id=str(id) if id else None, name=name)
        return EntityType.of(found)

    @strawberry.field(description="A page of the space's entities, oldest first.")
    async def entities(
        self,
        info: Ctx,
        space: str,
        filter: EntityFilterInput | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> EntityConnection:
        ctx, scope = info.context, info.context.scope(space)
        where = filter.to_filter() if filter else EntityFilter()
        items, more = await ctx.graph.entities(scope, where, first, decode_cursor(after))
        return EntityConnection.of(
            items, more, partial(ctx.runtime.store.count_entities, scope, where)
        )

    @strawberry.field(description="Facts by subject, predicate and object, at asOf / knownAt.")
    async def facts(
        self,
        info: Ctx,
        space: str,
        subject: str | None = None,
        predicate: str | None = None,
        object: str | None = None,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        app_id: str | None = None,
    ) -> FactConnection:
        ctx, scope, at = info.context, info.context.scope(space), times(as_of, known_at)
        where = FactFilter(
            subject_key=entity_key(subject) if subject else None,
            predicate=predicate_key(predicate) if predicate else None,
            object_key=entity_key(object) if object else None,
        )
        cats = CategoryFilter(agent_id, run_id, app_id)
        items, more = await ctx.graph.facts(
            scope, where, at, first, decode_cursor(after), categories=cats
        )
        count = partial(ctx.runtime.store.count_facts, scope, where, at, categories=cats)
        return FactConnection.of(items, more, count)

    @strawberry.field(
        description="Facts within `depth` (1–3) hops of an entity, nearest first, as nodes "
        "and edges for a graph view; every fact on the way is valid at asOf."
    )
    async def neighborhood(
        self,
        info: Ctx,
        space: str,
        entity: EntityRef,
        depth: int = 1,
        predicates: list[str] | None = None,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        limit: int = 100,
        include_shared: bool = True,
        agent_id: str | None = None,
        run_id: str | None = None,
        app_id: str | None = None,
    ) -> Graph:
        ctx, scope = info.context, info.context.scope(space)
        preds, at = normalise_predicates(predicates), times(as_of, known_at)
        cats = CategoryFilter(agent_id, run_id, app_id)
        shared = await ctx.shared(space, include_shared)
        try:
            center = await ctx.graph.entity(scope, **ref_args(entity))
        except NotFound:
            if not shared:
                raise
            own = None
        else:
            own = await ctx.graph.neighborhood(
                scope, center, depth, preds, at, limit, categories=cats
            )
        ref = str(entity.id) if entity.id else entity.name or ""
        other = await ctx.graph.shared_neighborhood(
            scope, shared, ref, depth, preds, at, limit, categories=cats
        )
        found = merge_subgraphs(own, other)
        if found is None:
            raise NotFound(f"no entity {ref!r} in space {space!r} or shared with it")
        return Graph.of(found, space)

    @strawberry.field(
        description="Every shortest path (up to `limit`, at most 20) of at most `maxDepth` "
        "(1–4) facts between two entities, each fact valid at asOf."
    )
    async def paths(
        self,
        info: Ctx,
        space: str,
        source: Annotated[EntityRef, strawberry.argument(name="from")],
        target: Annotated[EntityRef, strawberry.argument(name="to")],
        max_depth: int = 3,
        predicates: list[str] | None = None,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        limit: int = 5,
    ) -> list[Path]:
        ctx, scope = info.context, info.context.scope(space)
        start, end = await asyncio.gather(
            ctx.graph.entity(scope, **ref_args(source)), ctx.graph.entity(scope, **ref_args(target))
        )
        preds, at = normalise_predicates(predicates), times(as_of, known_at)
        found = await ctx.graph.paths(scope, start, end, max_depth, preds, at, limit)
        return [Path.of(p) for p in found]

    @strawberry.field(
        description="Hybrid search (vector + full text, fused). With asOf, fact hits not "
        "valid at asOf are left out."
    )
    async def search(
        self,
        info: Ctx,
        space: str,
        query: str,
        top_k: int = 10,
        as_of: datetime | None = None,
        include_shared: bool = True,
        agent_id: str | None = None,
        run_id: str | None = None,
        app_id: str | None = None,
    ) -> list[SearchHitType]:
        check_range("topK", top_k, 1, MAX_TOP_K)
        at = aware(as_of, "asOf")
        ask = Ask(
            query,
            top_k,
            as_of=at,
            include_shared=include_shared,
            categories=CategoryFilter(agent_id, run_id, app_id),
        )
        ctx = info.context
        shared = await ctx.shared(space, include_shared)  # cached for the request's other fields
        hits = await ctx.runtime.recall.search(
            ctx.scope(space), ask, ctx.principal.key_id, shared=shared
        )
        return [SearchHitType.of(h, space) for h in hits]

    @strawberry.field(
        description="Facts of the space (or of one entity) starting, being first stated, "
        "ending and being superseded, in time order, each with its source episodes. "
        "`entity` may name an entity of a subgraph shared with the space (as REST "
        "`/v1/timeline?entity=` takes its id): its shared facts, marked `sharedFrom`; a "
        "name the space's own entity holds is the own one, and a name shared from "
        "several spaces the first of them (by space; pass the id to choose)."
    )
    async def timeline(
        self,
        info: Ctx,
        space: str,
        entity: EntityRef | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        predicates: list[str] | None = None,
        known_at: datetime | None = None,
        limit: int = MAX_TIMELINE,
        include_shared: bool = True,
        agent_id: str | None = None,
        run_id: str | None = None,
        app_id: str | None = None,
    ) -> list[TimelineEventType]:
        check_range("limit", limit, 1, MAX_TIMELINE)
        ctx, scope = info.context, info.context.scope(space)
        shared = await ctx.shared(space, include_shared)
        entity_id = (
            await _timeline_entity(ctx, space, entity, known_at, bool(shared)) if entity else None
        )
        events = await ctx.runtime.temporal.timeline(
            scope,
            entity_id=entity_id,
            start=aware(from_, "from"),
            end=aware(to, "to"),
            predicates=predicates,
            known_at=aware(known_at, "knownAt"),
            limit=limit,
            shared=shared,
            categories=CategoryFilter(agent_id, run_id, app_id),
        )
        return [TimelineEventType.of(e, space) for e in events]

    @strawberry.field(description="Counts of one space.")
    async def space(self, info: Ctx, id: str) -> Space:
        stats = await info.context.runtime.store.space_stats(info.context.scope(id))
        return Space.of(stats)

    @strawberry.field(description="The caller's spaces that hold anything, with counts.")
    async def spaces(self, info: Ctx) -> list[Space]:
        store, ctx = info.context.runtime.store, info.context
        names = [n for n in await store.list_spaces(ctx.tenant) if ctx.principal.may_read(n)]
        stats = await asyncio.gather(*(store.space_stats(ctx.scope(n)) for n in names))
        return [Space.of(s) for s in stats]

    @strawberry.field(description="Progress of an ingest job.")
    async def job(self, info: Ctx, id: strawberry.ID) -> Job:
        return Job.of(await info.context.job(str(id)))


async def _timeline_entity(
    ctx: GraphContext, space: str, ref: EntityRef, known_at: datetime | None, shared: bool
) -> str:
    """The id of the entity ``ref`` names for ``timeline``: the space's own,
    else (when ``shared``) one at an end of a fact shared with it (known at
    ``known_at``, valid now), never one outside the shared subgraph.

    Raises:
        NotFound: neither the space nor what is shared with it has it.
    """
    try:
        return (await ctx.graph.entity(ctx.scope(space), **ref_args(ref))).id
    except NotFound:
        if not shared:
            raise
    args = ref_args(ref)
    edges = await ctx.shared_edges.load((space, times(None, known_at)))
    centres = shared_centres(edges, args["id"] or args["name"] or "")
    if not centres:
        raise NotFound(
            f"no entity {args['id'] or args['name']!r} in space {space!r} or shared with it"
        )
    return min(centres, key=lambda e: (e.space, e.id)).id

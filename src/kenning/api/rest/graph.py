"""``GET /v1/graph``: a subgraph as nodes/edges JSON, for clients without GraphQL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope
from kenning.api.rest.categories import CategoriesDep
from kenning.api.rest.responses import COMMON, errors
from kenning.api.rest.schemas import GraphEdgeView, GraphNodeView, GraphView
from kenning.domain.models import CategoryFilter, Entity, Instant, Scope, SpaceId
from kenning.domain.rules import QUERY_MAX_CHARS
from kenning.errors import InputError, NotFound
from kenning.graph.service import (
    MAX_GRAPH_EDGES,
    MAX_NEIGHBORHOOD_DEPTH,
    GraphNode,
    GraphService,
    Subgraph,
    merge_subgraphs,
    normalise_predicates,
    time_filter,
)
from kenning.store.graph_port import TimeFilter

router = APIRouter(prefix="/v1", tags=["graph"], responses=COMMON)


def _view(graph: Subgraph) -> GraphView:
    nodes = [
        GraphNodeView(
            id=n.entity.id,
            name=n.entity.name,
            type=n.entity.type,
            distance=n.distance,
            entity=n.entity,
        )
        for n in graph.nodes
    ]
    edges = [
        GraphEdgeView(
            id=e.fact.id,
            source=e.subject_id,
            target=e.object_id,
            predicate=e.fact.predicate,
            label=e.fact.text,
            fact=e.fact,
        )
        for e in graph.edges
    ]
    return GraphView(nodes=nodes, edges=edges, truncated=graph.truncated)


@router.get("/graph", response_model=GraphView, responses=errors(404))
async def graph(
    space: SpaceId,
    caller: PrincipalDep,
    rt: RuntimeDep,
    categories: CategoriesDep,
    entity: Annotated[str | None, Query(max_length=256, description="Centre: id or name.")] = None,
    query: Annotated[
        str | None, Query(max_length=QUERY_MAX_CHARS, description="Or: facts found by search.")
    ] = None,
    depth: Annotated[int, Query(ge=1, le=MAX_NEIGHBORHOOD_DEPTH)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_GRAPH_EDGES, description="Most edges.")] = 100,
    predicates: Annotated[list[str] | None, Query(description="Only these predicates.")] = None,
    as_of: Annotated[Instant | None, Query(description="Facts valid at (ISO 8601).")] = None,
    include_shared: Annotated[
        bool, Query(description="Also what other spaces share with this space's teams.")
    ] = True,
) -> GraphView:
    """The facts within ``depth`` hops of ``entity`` (an id, or else a name), or
    the facts that search finds for ``query`` with their entities;
    ``agent_id``/``run_id``/``app_id`` keep only facts with those tags."""
    scope = read_scope(caller, space)
    service = GraphService(rt.store)
    if (entity is None) == (query is None):
        raise InputError("give exactly one of entity and query", field="entity")
    shared = await rt.sharing.scope(scope, include_shared)
    at = time_filter(as_of, None)
    if entity is not None:
        preds = normalise_predicates(predicates)
        own = await _own(service, scope, entity, depth, preds, at, limit, categories)
        other = await service.shared_neighborhood(
            scope, shared, entity, depth, preds, at, limit, categories=categories
        )
        found = merge_subgraphs(own, other)
        if found is None:
            raise NotFound(f"no entity {entity!r} in space {space!r} or shared with it")
        return _view(found)
    hits = await rt.search.search(
        scope, query or "", min(limit, 100), as_of=as_of, shared=shared, categories=categories
    )
    fact_ids = [h.id for h in hits if h.kind == "fact"]
    own_graph = await service.subgraph_of_facts(scope, fact_ids)
    shared_ids = [i for i in fact_ids if i in shared.facts]
    edges = (
        await rt.store.shared_facts(scope.tenant, shared, shared_ids, at, categories=categories)
        if shared_ids
        else []
    )
    nodes = {n.id: GraphNode(n, 0) for e in edges for n in (e.subject, e.object)}
    extra = Subgraph(list(nodes.values()), [e.edge for e in edges])
    return _view(merge_subgraphs(own_graph, extra) or own_graph)


async def _own(
    service: GraphService,
    scope: Scope,
    entity: str,
    depth: int,
    predicates: list[str] | None,
    at: TimeFilter,
    limit: int,
    categories: CategoryFilter,
) -> Subgraph | None:
    """The space's own neighbourhood of ``entity``, or None when it has no such entity."""
    try:
        center = await _center(service, scope, entity)
    except NotFound:
        return None
    return await service.neighborhood(
        scope, center, depth, predicates, at, limit, categories=categories
    )


async def _center(service: GraphService, scope: Scope, entity: str) -> Entity:
    # Ids are prefixed ("en_…"); anything else is a name.
    if entity.startswith("en_"):
        return await service.entity(scope, id=entity)
    return await service.entity(scope, name=entity)


#: The same view and centre lookup for MCP's ``memory_graph`` (kenning.mcp.tools).
graph_view = _view
center_entity = _center

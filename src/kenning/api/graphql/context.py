"""Per-request GraphQL context: the caller's scope, the services and DataLoaders.

DataLoaders collect every key asked for in one tick of the event loop and load
them with one store query, so a page of facts asking for its subjects, objects
and sources costs three queries, not three per fact (no N+1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from fastapi import Request
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from kenning.access.principal import Principal
from kenning.api.deps import (
    BearerDep,
    RuntimeDep,
    principal_for,
    require_space,
    require_write_space,
)
from kenning.api.runtime import Runtime
from kenning.domain.models import Entity, Episode, JobStatus, Scope
from kenning.graph.service import GraphService
from kenning.store.graph_port import FactEdge, NeighborhoodEdge, TimeFilter
from kenning.store.teams_port import SharedScope

#: (space, entity id, predicates, time filter, limit): one ``Entity.facts`` ask.
FactsKey = tuple[str, str, tuple[str, ...] | None, TimeFilter, int]


class Loaders:
    """The request's DataLoaders, keyed by ``(space, id)`` so one request may
    read several spaces of its tenant."""

    def __init__(self, runtime: Runtime, tenant: str) -> None:
        self._store = runtime.store
        self._tenant = tenant
        self.entity = DataLoader[tuple[str, str], Entity | None](self._entities)
        self.entity_by_key = DataLoader[tuple[str, str], Entity | None](self._entities_by_key)
        self.episode = DataLoader[tuple[str, str], Episode | None](self._episodes)
        self.entity_facts = DataLoader[FactsKey, list[FactEdge]](self._entity_facts)

    def _scope(self, space: str) -> Scope:
        return Scope(tenant=self._tenant, space=space)

    async def _entities(self, keys: Sequence[tuple[str, str]]) -> list[Entity | None]:
        found: dict[tuple[str, str], Entity] = {}
        for space, ids in _by_space(keys).items():
            for e in await self._store.entities_by_id(self._scope(space), ids):
                found[(space, e.id)] = e
        return [found.get(k) for k in keys]

    async def _entities_by_key(self, keys: Sequence[tuple[str, str]]) -> list[Entity | None]:
        found: dict[tuple[str, str], Entity] = {}
        for space, names in _by_space(keys).items():
            for e in await self._store.entities_by_key(self._scope(space), names):
                found[(space, e.key)] = e
        return [found.get(k) for k in keys]

    async def _episodes(self, keys: Sequence[tuple[str, str]]) -> list[Episode | None]:
        found: dict[tuple[str, str], Episode] = {}
        for space, ids in _by_space(keys).items():
            for e in await self._store.get_episodes(self._scope(space), ids):
                found[(space, e.id)] = e
        return [found.get(k) for k in keys]

    async def _entity_facts(self, keys: Sequence[FactsKey]) -> list[list[FactEdge]]:
        # One query per distinct (space, filter, limit): the usual page of
        # entities shares one, so the whole page is one round trip.
        groups: dict[tuple[str, tuple[str, ...] | None, TimeFilter, int], list[str]] = defaultdict(
            list
        )
        for space, entity_id, predicates, at, limit in keys:
            groups[(space, predicates, at, limit)].append(entity_id)
        found: dict[FactsKey, list[FactEdge]] = {}
        for (space, predicates, at, limit), ids in groups.items():
            preds = list(predicates) if predicates is not None else None
            rows = await self._store.facts_of_entities(self._scope(space), ids, preds, at, limit)
            for entity_id in ids:
                found[(space, entity_id, predicates, at, limit)] = rows.get(entity_id, [])
        return [found[k] for k in keys]


def _by_space(keys: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for space, value in dict.fromkeys(keys):
        grouped[space].append(value)
    return grouped


@dataclass
class GraphContext(BaseContext):
    """What every resolver gets as ``info.context``."""

    runtime: Runtime
    principal: Principal
    graph: GraphService
    loaders: Loaders
    _shared: dict[tuple[str, bool], SharedScope] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
        #: (reader space, time filter) → the facts shared with the reader's
        #: teams, with their ends: what ``Entity.facts`` of a shared entity
        #: may return (one query per request, not one per entity).
        self.shared_edges = DataLoader[tuple[str, TimeFilter], list[NeighborhoodEdge]](
            self._load_shared_edges
        )

    @property
    def tenant(self) -> str:
        """The caller's tenant."""
        return self.principal.tenant

    def scope(self, space: str) -> Scope:
        """The caller's scope in ``space``, for reading: every resolver that
        takes a space passes here, the one place GraphQL checks the key.

        Raises:
            pydantic.ValidationError: ``space`` is not a valid space id.
            Forbidden: the caller's key may not read ``space``.
        """
        scope = Scope(tenant=self.tenant, space=space)
        require_space(self.principal, space)
        return scope

    async def shared(self, space: str, include_shared: bool = True) -> SharedScope:
        """What ``space`` may read through its teams (empty when
        ``include_shared`` is false), resolved once per request.

        Raises:
            Forbidden: the caller's key may not read ``space``.
            StoreUnavailable: the graph is down.
        """
        scope = self.scope(space)
        key = (space, include_shared)
        if key not in self._shared:
            self._shared[key] = await self.runtime.sharing.scope(scope, include_shared)
        return self._shared[key]

    async def _load_shared_edges(
        self, keys: Sequence[tuple[str, TimeFilter]]
    ) -> list[list[NeighborhoodEdge]]:
        out = []
        for space, at in keys:
            shared = await self.shared(space)
            out.append(await self.runtime.store.shared_facts(self.tenant, shared, shared.ids, at))
        return out

    async def job(self, job_id: str) -> JobStatus:
        """An ingest job of the caller's tenant, in a space it may read.

        Raises:
            NotFound: the tenant has no such job.
            Forbidden: the job's space is not the key's.
        """
        job = await self.runtime.ingest.job_status(self.tenant, job_id)
        require_space(self.principal, job.space)
        return job

    async def write_scope(self, space: str) -> Scope:
        """The caller's scope in ``space``, for a mutation (a member key may
        claim a space nobody holds; see ``api/deps.py``).

        Raises:
            pydantic.ValidationError: ``space`` is not a valid space id.
            Forbidden: the caller's key may not write ``space``.
        """
        scope = Scope(tenant=self.tenant, space=space)
        self.principal = await require_write_space(self.runtime, self.principal, space)
        return scope


def _ide_page(request: Request) -> bool:
    # Stricter than strawberry's own test (which also takes */*), so whenever
    # this holds strawberry serves the GraphiQL page and runs nothing.
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


async def get_context(
    request: Request, runtime: RuntimeDep, credentials: BearerDep
) -> GraphContext:
    """FastAPI dependency: the caller comes from the bearer key exactly as in
    REST (``401`` before any GraphQL runs when the key is missing, unknown,
    revoked or expired; ``429`` over its rate limit).

    A browser asking for the GraphiQL page gets it without a key: the page
    holds no data, and the queries it sends need the key (GraphiQL's header
    editor carries ``Authorization``). Its context has the tenant ``""``,
    which no scope accepts, and no space.
    """
    if _ide_page(request):
        principal = Principal("", "member", None, frozenset())
    else:
        principal = await principal_for(runtime, credentials)
    return GraphContext(
        runtime, principal, GraphService(runtime.store), Loaders(runtime, principal.tenant)
    )

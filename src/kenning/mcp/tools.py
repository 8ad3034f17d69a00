"""What each MCP tool does: the same service calls as the REST routes, in
process, in the caller's tenant."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from mcp.server.mcpserver import Context

from kenning.access.principal import Principal
from kenning.agents.models import Insight
from kenning.api.deps import read_scope, require_space, write_scope
from kenning.api.rest.context import ContextRequest, context_response
from kenning.api.rest.graph import center_entity, graph_view
from kenning.api.rest.schemas import (
    ContextResponse,
    EssentialResponse,
    GraphView,
    JobView,
    SearchRequest,
    SearchResponse,
    TimelineResponse,
)
from kenning.api.runtime import Runtime
from kenning.domain.models import Page, Scope
from kenning.domain.temporal import Deletion
from kenning.graph.service import GraphService, normalise_predicates, time_filter
from kenning.mcp.args import (
    AddArgs,
    AddResult,
    EssentialArgs,
    ForgetArgs,
    GraphArgs,
    InsightArgs,
    JobArgs,
    RunArgs,
    RunsResult,
    TimelineArgs,
)
from kenning.mcp.caller import principal_of
from kenning.search.recall import ask_of
from kenning.store.agent_runs_port import InsightFilter

T = TypeVar("T")

#: Seconds between looks at a job or run the caller waits for.
POLL_S = 0.25


async def _poll(look: Callable[[], Awaitable[T]], done: Callable[[T], bool], wait_s: float) -> T:
    """``look()`` until ``done`` holds or ``wait_s`` s have passed; the last look."""
    deadline = time.monotonic() + wait_s
    seen = await look()
    while not done(seen) and time.monotonic() < deadline:
        await asyncio.sleep(POLL_S)
        seen = await look()
    return seen


@dataclass(frozen=True)
class Tools:
    """The tool handlers of one MCP server.

    Args:
        runtime_of: The runtime whose services the tools call (the app's,
            once its lifespan has started it).
        stdio_principal: The caller of a call that came without an HTTP
            request (stdio: the principal of ``KENNING_API_KEY``); None over
            HTTP only.
    """

    runtime_of: Callable[[], Runtime]
    stdio_principal: Principal | None = None

    async def _scope(self, ctx: Context, space: str, write: bool = False) -> Scope:
        # Every tool's scope comes from here, through the REST API's own
        # rules: a member key reads and writes its spaces only (a write may
        # claim a new space), an admin key every space of its tenant.
        caller = principal_of(ctx, self.stdio_principal)
        if write:
            return await write_scope(self.runtime_of(), caller, space)
        return read_scope(caller, space)

    async def add(self, args: AddArgs, ctx: Context) -> AddResult:
        """``memory_add``."""
        rt = self.runtime_of()
        scope = await self._scope(ctx, args.space, write=True)
        accepted = await rt.ingest.submit(scope, args.episodes)
        job = None
        if args.wait_s > 0:
            job = await self._job(
                principal_of(ctx, self.stdio_principal), accepted.job_id, args.wait_s
            )
        return AddResult(
            job_id=accepted.job_id,
            status_url=f"/v1/jobs/{accepted.job_id}",
            episode_ids=accepted.episode_ids,
            created=accepted.created,
            duplicates=accepted.duplicates,
            job=job,
        )

    async def job(self, args: JobArgs, ctx: Context) -> JobView:
        """``memory_job``."""
        return await self._job(principal_of(ctx, self.stdio_principal), args.job_id, args.wait_s)

    async def _job(self, caller: Principal, job_id: str, wait_s: float) -> JobView:
        ingest = self.runtime_of().ingest

        async def look() -> JobView:
            job = await ingest.job_status(caller.tenant, job_id)
            require_space(caller, job.space)  # as GET /v1/jobs/{id}
            return JobView.of(job)

        return await _poll(look, lambda j: j.finished, wait_s)

    async def search(self, args: SearchRequest, ctx: Context) -> SearchResponse:
        """``memory_search``."""
        scope = await self._scope(ctx, args.space)
        key_id = principal_of(ctx, self.stdio_principal).key_id
        hits = await self.runtime_of().recall.search(scope, ask_of(args, args.top_k), key_id)
        return SearchResponse(results=hits)

    async def context(self, args: ContextRequest, ctx: Context) -> ContextResponse:
        """``memory_context``."""
        scope = await self._scope(ctx, args.space)
        key_id = principal_of(ctx, self.stdio_principal).key_id
        ask = ask_of(args, args.max_items)
        block = await self.runtime_of().recall.context(scope, ask, args.token_budget, key_id)
        return context_response(block)

    async def essential(self, args: EssentialArgs, ctx: Context) -> EssentialResponse:
        """``memory_essential``."""
        scope = await self._scope(ctx, args.space)
        found = await self.runtime_of().essential.essential(scope, args.max_tokens)
        # Same fields as the service's Essential (a dataclass): read them off it.
        return EssentialResponse.model_validate(found, from_attributes=True)

    async def timeline(self, args: TimelineArgs, ctx: Context) -> TimelineResponse:
        """``memory_timeline``."""
        events = await self.runtime_of().temporal.timeline(
            await self._scope(ctx, args.space),
            entity_id=args.entity,
            start=args.start,
            end=args.end,
            predicates=args.predicate,
            known_at=args.known_at,
            limit=args.limit,
        )
        return TimelineResponse(events=events)

    async def graph(self, args: GraphArgs, ctx: Context) -> GraphView:
        """``memory_graph``."""
        scope = await self._scope(ctx, args.space)
        service = GraphService(self.runtime_of().store)
        center = await center_entity(service, scope, args.entity)
        at = time_filter(args.as_of, None)
        preds = normalise_predicates(args.predicates)
        return graph_view(
            await service.neighborhood(scope, center, args.depth, preds, at, args.limit)
        )

    async def insights(self, args: InsightArgs, ctx: Context) -> Page[Insight]:
        """``memory_insights``."""
        where = InsightFilter(
            agent=args.agent,
            kind=args.kind,
            status=args.status,
            since=args.since,
            entity_id=args.entity,
        )
        scope = await self._scope(ctx, args.space)
        return await self.runtime_of().agents.insights(scope, where, args.after, args.limit)

    async def run_agents(self, args: RunArgs, ctx: Context) -> RunsResult:
        """``memory_run_agents``."""
        agents = self.runtime_of().agents
        scope = await self._scope(ctx, args.space, write=True)
        runs = await agents.run(scope, args.agent, "manual", args.auto_fix)

        async def look() -> RunsResult:
            return RunsResult.of([await agents.get_run(scope, r.id) for r in runs])

        if args.wait_s == 0:
            return RunsResult.of(runs)
        return await _poll(look, lambda r: r.finished, args.wait_s)

    async def forget(self, args: ForgetArgs, ctx: Context) -> Deletion:
        """``memory_forget``."""
        temporal = self.runtime_of().temporal
        scope = await self._scope(ctx, args.space, write=True)
        if args.kind == "episode":
            return await temporal.delete_episode(scope, args.id)
        return await temporal.delete_fact(scope, args.id)

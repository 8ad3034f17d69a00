"""What each MCP tool does: the same service calls as the REST routes, in
process, in the caller's tenant."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from mcp.server.mcpserver import Context

from kenning.agents.models import Insight
from kenning.api.rest.context import ContextRequest, ContextResponse
from kenning.api.rest.graph import GraphView, center_entity, graph_view
from kenning.api.rest.schemas import JobView, SearchRequest, SearchResponse
from kenning.api.rest.temporal import TimelineResponse
from kenning.api.runtime import Runtime
from kenning.domain.models import Page, Scope
from kenning.domain.temporal import Deletion
from kenning.graph.service import GraphService, normalise_predicates, time_filter
from kenning.mcp.args import (
    AddArgs,
    AddResult,
    ForgetArgs,
    GraphArgs,
    InsightArgs,
    JobArgs,
    RunArgs,
    RunsResult,
    TimelineArgs,
)
from kenning.mcp.caller import tenant_of
from kenning.search.context import render_context
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
        stdio_tenant: The tenant of a call that came without an HTTP request
            (stdio: the tenant of ``KENNING_API_KEY``); None over HTTP only.
    """

    runtime_of: Callable[[], Runtime]
    stdio_tenant: str | None = None

    def _scope(self, ctx: Context, space: str, write: bool = False) -> Scope:
        # Every tool's scope comes from here: where a per-space grant (a
        # principal's may_read / may_write) is checked once keys carry one.
        del write  # today a key grants its whole tenant
        return Scope(tenant=tenant_of(ctx, self.stdio_tenant), space=space)

    async def add(self, args: AddArgs, ctx: Context) -> AddResult:
        """``memory_add``."""
        rt = self.runtime_of()
        scope = self._scope(ctx, args.space, write=True)
        accepted = await rt.ingest.submit(scope, args.episodes)
        job = None
        if args.wait_s > 0:
            job = await self._job(scope.tenant, accepted.job_id, args.wait_s)
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
        return await self._job(tenant_of(ctx, self.stdio_tenant), args.job_id, args.wait_s)

    async def _job(self, tenant: str, job_id: str, wait_s: float) -> JobView:
        ingest = self.runtime_of().ingest

        async def look() -> JobView:
            return JobView.of(await ingest.job_status(tenant, job_id))

        return await _poll(look, lambda j: j.finished, wait_s)

    async def search(self, args: SearchRequest, ctx: Context) -> SearchResponse:
        """``memory_search``."""
        scope = self._scope(ctx, args.space)
        hits = await self.runtime_of().search.search(
            scope, args.query, args.top_k, as_of=args.as_of, known_at=args.known_at
        )
        return SearchResponse(results=hits)

    async def context(self, args: ContextRequest, ctx: Context) -> ContextResponse:
        """``memory_context``."""
        rt = self.runtime_of()
        scope = self._scope(ctx, args.space)
        hits = await rt.search.search(
            scope, args.query, args.max_items, as_of=args.as_of, known_at=args.known_at
        )
        block = render_context(hits, args.token_budget, rt.token_counter())
        return ContextResponse(
            context=block.text,
            tokens=block.tokens,
            token_budget=block.budget,
            tokenizer=block.tokenizer,
            hits=block.hits,
        )

    async def timeline(self, args: TimelineArgs, ctx: Context) -> TimelineResponse:
        """``memory_timeline``."""
        events = await self.runtime_of().temporal.timeline(
            self._scope(ctx, args.space),
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
        scope = self._scope(ctx, args.space)
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
        scope = self._scope(ctx, args.space)
        return await self.runtime_of().agents.insights(scope, where, args.after, args.limit)

    async def run_agents(self, args: RunArgs, ctx: Context) -> RunsResult:
        """``memory_run_agents``."""
        agents = self.runtime_of().agents
        scope = self._scope(ctx, args.space, write=True)
        runs = await agents.run(scope, args.agent, "manual", args.auto_fix)

        async def look() -> RunsResult:
            return RunsResult.of([await agents.get_run(scope, r.id) for r in runs])

        if args.wait_s == 0:
            return RunsResult.of(runs)
        return await _poll(look, lambda r: r.finished, args.wait_s)

    async def forget(self, args: ForgetArgs, ctx: Context) -> Deletion:
        """``memory_forget``."""
        temporal = self.runtime_of().temporal
        scope = self._scope(ctx, args.space, write=True)
        if args.kind == "episode":
            return await temporal.delete_episode(scope, args.id)
        return await temporal.delete_fact(scope, args.id)

"""Kenning's MCP server: memory tools and resources over the same services as
REST, for agents (Claude Desktop, Cursor, any MCP client).

Every tool takes ``space`` (whose memory: a user, an agent); the tenant comes
from the caller's API key, never from an argument.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ValidationError

from kenning import __version__
from kenning.access.principal import Principal
from kenning.agents.models import Insight
from kenning.api.deps import read_scope
from kenning.api.rest.context import ContextRequest
from kenning.api.rest.schemas import (
    ContextResponse,
    EssentialResponse,
    GraphView,
    JobView,
    SearchRequest,
    SearchResponse,
    SpaceStatsView,
    TimelineResponse,
)
from kenning.api.runtime import Runtime
from kenning.domain.models import Page, Scope
from kenning.domain.temporal import Deletion
from kenning.errors import KenningError
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
from kenning.mcp.signature import model_tool, tool_error
from kenning.mcp.tools import Tools
from kenning.store.agent_runs_port import InsightFilter

INSTRUCTIONS = """Kenning is long-term memory: conversations go in as episodes and
become facts (subject-predicate-object with the time they were true).
Use memory_context before answering to get a prompt block of what is known;
memory_search for ranked facts and excerpts; memory_add to remember new turns
(extraction runs in the background: wait_s waits for it). Every tool takes
`space`: whose memory (one user or agent)."""

#: Recent insights a space's insight resource lists.
RECENT_INSIGHTS = 20

READ_ONLY = ToolAnnotations(readOnlyHint=True, idempotentHint=True, openWorldHint=False)

#: (name, arguments, result, Tools method, description, hints) of each tool, in listing order.
_TOOLS: list[tuple[str, type[BaseModel], type[BaseModel], str, str, ToolAnnotations | None]] = [
    (
        "memory_add",
        AddArgs,
        AddResult,
        "add",
        "Remember messages (chat turns, notes) of a space, in the order they were said. "
        "They are stored at once and become facts in the background; the answer holds the "
        "job id (follow it with memory_job, or pass wait_s to wait here). Resending the "
        "same message (same content and occurred_at, or idempotency_key) stores nothing new.",
        ToolAnnotations(idempotentHint=True, destructiveHint=False, openWorldHint=False),
    ),
    (
        "memory_job",
        JobArgs,
        JobView,
        "job",
        "Progress of an ingest job from memory_add: episodes pending, processing, done and "
        "failed; `finished` once none is pending or processing. wait_s waits for it.",
        READ_ONLY,
    ),
    (
        "memory_search",
        SearchRequest,
        SearchResponse,
        "search",
        "Search a space's memory: facts and conversation excerpts ranked by fusing vector, "
        "full-text and graph hits, each with its source episode ids. as_of asks what was "
        "true at an instant, known_at what memory knew then.",
        READ_ONLY,
    ),
    (
        "memory_context",
        ContextRequest,
        ContextResponse,
        "context",
        "What memory knows about a query as a prompt block ready to put before an LLM call: "
        "facts with when they were true, then dated conversation excerpts, within "
        "token_budget tokens.",
        READ_ONLY,
    ),
    (
        "memory_essential",
        EssentialArgs,
        EssentialResponse,
        "essential",
        "The facts to know at the start of every session (identity, home, work, "
        "relationships, lasting preferences) as a prompt block within max_tokens tokens; "
        "cheap to call every session (cached until the space changes).",
        READ_ONLY,
    ),
    (
        "memory_timeline",
        TimelineArgs,
        TimelineResponse,
        "timeline",
        "How facts of a space (or of one entity) changed over time: each fact starting, "
        "ending and being superseded, in time order, with source episodes.",
        READ_ONLY,
    ),
    (
        "memory_graph",
        GraphArgs,
        GraphView,
        "graph",
        "An entity's neighbourhood in the memory graph: the facts within `depth` hops of it "
        "(by id `en_…` or by name) as nodes and edges.",
        READ_ONLY,
    ),
    (
        "memory_insights",
        InsightArgs,
        Page[Insight],
        "insights",
        "Insights the memory agents wrote about a space, newest first: duplicate entities, "
        "contradictions, stale facts, hidden links, clusters, digests of what changed. "
        "Each names its entities and evidence.",
        READ_ONLY,
    ),
    (
        "memory_run_agents",
        RunArgs,
        RunsResult,
        "run_agents",
        "Run the memory agents (curator, connector, digest, or all) over a space now; they "
        "write insights (read them with memory_insights). wait_s waits for the runs to end.",
        ToolAnnotations(destructiveHint=False, openWorldHint=False),
    ),
    (
        "memory_forget",
        ForgetArgs,
        Deletion,
        "forget",
        "Delete an episode (with the facts only it supports) or a single fact, for good: "
        "no history is kept. Answers what was removed.",
        ToolAnnotations(destructiveHint=True, idempotentHint=False, openWorldHint=False),
    ),
]

#: The tools' names, in the order they are listed.
TOOL_NAMES = tuple(t[0] for t in _TOOLS)


def build_server(
    runtime_of: Callable[[], Runtime], stdio_principal: Principal | None = None
) -> MCPServer:
    """Kenning's MCP server, its tools calling ``runtime_of()``'s services.

    Args:
        runtime_of: The runtime (over HTTP the app's, set by its lifespan).
        stdio_principal: The caller of calls that come without an HTTP request
            (stdio); None when the server is only served over HTTP.
    """
    server: MCPServer = MCPServer(
        "kenning", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    tools = Tools(runtime_of, stdio_principal)
    for name, args, result, method, description, hints in _TOOLS:
        fn = model_tool(args, result, getattr(tools, method))
        server.add_tool(fn, name=name, description=description, annotations=hints)
    _add_resources(server, runtime_of, stdio_principal)
    return server


def _add_resources(
    server: MCPServer, runtime_of: Callable[[], Runtime], stdio_principal: Principal | None
) -> None:
    async def scope_of(ctx: Context, space: str) -> Scope:
        try:
            return read_scope(principal_of(ctx, stdio_principal), space)
        except (ValidationError, KenningError) as exc:
            raise ResourceError(str(tool_error(exc))) from None

    @server.resource(
        "kenning://spaces/{space}/stats",
        name="space_stats",
        description="Counts of a space's episodes, entities and facts.",
        mime_type="application/json",
    )
    async def space_stats(space: str, ctx: Context) -> str:
        scope = await scope_of(ctx, space)
        try:
            stats = await runtime_of().store.space_stats(scope)
        except KenningError as exc:
            raise ResourceError(str(tool_error(exc))) from None
        return SpaceStatsView(**asdict(stats)).model_dump_json()

    @server.resource(
        "kenning://spaces/{space}/insights",
        name="recent_insights",
        description=f"The {RECENT_INSIGHTS} newest open insights the agents wrote about a space.",
        mime_type="application/json",
    )
    async def recent_insights(space: str, ctx: Context) -> str:
        scope = await scope_of(ctx, space)
        where = InsightFilter(status="open")
        try:
            page = await runtime_of().agents.insights(scope, where, "", RECENT_INSIGHTS)
        except KenningError as exc:
            raise ResourceError(str(tool_error(exc))) from None
        return json.dumps([i.model_dump(mode="json") for i in page.items])

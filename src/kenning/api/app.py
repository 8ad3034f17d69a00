"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Depends, FastAPI

from kenning import __version__
from kenning.agents.models import AgentName, Analysis
from kenning.api.admission import Admission, default_limit
from kenning.api.errors import install_error_handlers
from kenning.api.graphql.errors import GraphQLRequestError, request_error_answer
from kenning.api.graphql.schema import graphql_router
from kenning.api.inputs import BodyLimit, refuse_bad_params
from kenning.api.middleware import RequestContextMiddleware
from kenning.api.rest import (
    agents,
    chat,
    context,
    episodes,
    essential,
    facts,
    graph,
    health,
    insights,
    keys,
    metrics,
    neo4j_browser,
    portable,
    retrievals,
    search,
    teams,
    temporal,
    webhooks,
)
from kenning.api.rest.responses import errors
from kenning.api.runtime import Runtime
from kenning.config import Settings, load_settings
from kenning.console import mount_console
from kenning.extract.llm import LLMExtractor
from kenning.ingest.pacing import Foreground
from kenning.mcp.http import mount_mcp
from kenning.observability import Metrics, install_log_filter

DESCRIPTION = r"""Graph-native long-term memory for AI applications and agents.

Episodes (chat turns, documents) go in and become facts: subject–predicate–object
triples with validity intervals in a property graph. Search fuses vector and
full-text hits over facts and episodes with reciprocal rank fusion.

Errors are `{"error": {"code", "message", "field"?, "request_id"}}`: 422 names
the field and the rule; 413 means the body is over KENNING_MAX_BODY_BYTES; 429 and 503 (with
`Retry-After`) mean the graph store is busy or down. Tenants and spaces match
`^[\w.:@-]+$` (1–128 characters), ids `^[A-Za-z0-9_-]+$` (1–64); no string may
hold a NUL character or a lone surrogate. Every answer carries `X-Request-ID`
(the caller's, when valid, or a new one); the server's log lines of that
request carry it too. 429 (with `Retry-After`) also means the server is at
capacity: retry shortly.

GraphQL (with GraphiQL in a browser) is at `/graphql`; MCP (streamable HTTP,
same bearer keys) at `/mcp`.
"""
#: Log lines name the request they belong to (``-`` outside a request).
LOG_FORMAT = "%(levelname)s %(name)s [%(request_id)s]: %(message)s"


def create_app(
    settings: Settings | None = None, analyses: Mapping[AgentName, Analysis] | None = None
) -> FastAPI:
    """Build the app; the runtime (models, store, worker, agent schedule)
    starts in its lifespan.

    Args:
        settings: Defaults to :func:`load_settings` (environment and ``.env``).
        analyses: The memory agents' analyses; default
            :data:`kenning.agents.registry.ANALYSES` (tests pass their own).
    """
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    install_log_filter()
    registry = Metrics()
    foreground = Foreground()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await Runtime.start(settings, analyses, foreground)
        runtime.store.set_observer(registry.observe_query)
        registry.bind_store(runtime.store)
        runtime.deliveries.set_observer(registry.observe_webhook_delivery)
        if isinstance(runtime.extractor, LLMExtractor):
            runtime.extractor.set_observer(registry.observe_llm_call)
        app.state.runtime = runtime
        try:
            async with AsyncExitStack() as stack:
                # MCP's session manager runs inside the runtime's lifetime:
                # stopped first, so no tool call outlives the services.
                if mcp_sessions is not None:
                    await stack.enter_async_context(mcp_sessions.run())
                yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="Kenning",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.metrics = registry
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    app.add_exception_handler(GraphQLRequestError, request_error_answer)
    app.add_middleware(
        Admission,
        limit=settings.max_concurrent_requests or default_limit(),
        wait_s=settings.request_queue_timeout_s,
        foreground=foreground,
    )
    # Added last, so it runs first: every answer, a 413 or 429 included, has a
    # request id and is counted.
    app.add_middleware(RequestContextMiddleware, metrics=registry)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(neo4j_browser.router)
    checked = [Depends(refuse_bad_params)]
    routers = (
        episodes,
        facts,
        search,
        context,
        temporal,
        graph,
        portable,
        agents,
        insights,
        webhooks,
        keys,
        teams,
        retrievals,
        chat,
        essential,
    )
    for module in routers:
        app.include_router(module.router, dependencies=checked)
    mcp_sessions = mount_mcp(app, settings)
    mount_console(app)
    app.include_router(
        graphql_router(),
        tags=["graphql"],
        dependencies=checked,
        responses={
            **errors(401, 413, 422),
            400: {"description": "The request is not GraphQL over HTTP Kenning can run."},
        },
    )
    return app

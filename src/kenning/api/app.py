"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kenning import __version__
from kenning.api.errors import install_error_handlers
from kenning.api.graphql.schema import graphql_router
from kenning.api.middleware import RequestContextMiddleware
from kenning.api.rest import (
    context,
    episodes,
    facts,
    graph,
    health,
    metrics,
    portable,
    search,
    temporal,
)
from kenning.api.runtime import Runtime
from kenning.config import Settings, load_settings
from kenning.observability import Metrics, install_log_filter

DESCRIPTION = """Graph-native long-term memory for AI applications and agents.

Episodes (chat turns, documents) go in and become facts: subject–predicate–object
triples with validity intervals in a property graph. Search fuses vector and
full-text hits over facts and episodes with reciprocal rank fusion.

Errors are `{"error": {"code", "message", "field"?, "request_id"}}`: 422 names
the field and the rule; 503 (with `Retry-After`) means the graph store is down.
Every answer carries `X-Request-ID` (the caller's, when valid, or a new one);
the server's log lines of that request carry it too.

GraphQL (with GraphiQL in a browser) is at `/graphql`.
"""
#: Log lines name the request they belong to (``-`` outside a request).
LOG_FORMAT = "%(levelname)s %(name)s [%(request_id)s]: %(message)s"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the runtime (models, store, worker) starts in its lifespan.

    Args:
        settings: Defaults to :func:`load_settings` (environment and ``.env``).
    """
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    install_log_filter()
    registry = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await Runtime.start(settings)
        runtime.store.set_observer(registry.observe_query)
        registry.bind_store(runtime.store)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title="Kenning", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.metrics = registry
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, metrics=registry)
    for module in (health, metrics, episodes, facts, search, context, temporal, graph, portable):
        app.include_router(module.router)
    app.include_router(graphql_router(), tags=["graphql"])
    return app

"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kenning import __version__
from kenning.api.errors import install_error_handlers
from kenning.api.graphql.schema import graphql_router
from kenning.api.rest import (
    context,
    episodes,
    facts,
    graph,
    health,
    neo4j_browser,
    search,
    temporal,
)
from kenning.api.runtime import Runtime
from kenning.config import Settings, load_settings

DESCRIPTION = """Graph-native long-term memory for AI applications and agents.

Episodes (chat turns, documents) go in and become facts: subject–predicate–object
triples with validity intervals in a property graph. Search fuses vector and
full-text hits over facts and episodes with reciprocal rank fusion.

Errors are `{"error": {"code", "message", "field"?}}`: 422 names the field and
the rule; 503 (with `Retry-After`) means the graph store is down.

GraphQL (with GraphiQL in a browser) is at `/graphql`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the runtime (models, store, worker) starts in its lifespan.

    Args:
        settings: Defaults to :func:`load_settings` (environment and ``.env``).
    """
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await Runtime.start(settings)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title="Kenning", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    install_error_handlers(app)
    for module in (health, episodes, facts, search, context, temporal, graph, neo4j_browser):
        app.include_router(module.router)
    app.include_router(graphql_router(), tags=["graphql"])
    return app

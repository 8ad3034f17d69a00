"""The GraphQL schema and its FastAPI router, mounted at ``/graphql``.

The schema is generated from the code in this package; ``schema.graphql`` at
the repository root is its committed SDL (regenerate with
``python -m kenning.api.graphql.export > schema.graphql``; a test fails when
they drift).
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.fastapi import GraphQLRouter
from strawberry.types import ExecutionContext

from kenning.api.graphql.context import get_context
from kenning.api.graphql.errors import ErrorCodes, log_error
from kenning.api.graphql.limits import limit_extensions
from kenning.api.graphql.mutation import Mutation
from kenning.api.graphql.query import Query


class KenningSchema(strawberry.Schema):
    """A schema that logs errors our way (tracebacks only for real failures)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log each error on the server; the client gets coded copies (ErrorCodes)."""
        for error in errors:
            log_error(error)


def build_schema() -> KenningSchema:
    """The schema with every limit and error-code extension."""
    extensions: list[Any] = [*limit_extensions(), ErrorCodes]
    return KenningSchema(query=Query, mutation=Mutation, extensions=extensions)


def graphql_router() -> GraphQLRouter[Any, None]:
    """``/graphql``: POST (and GET for queries) plus the GraphiQL IDE in a browser."""
    return GraphQLRouter(
        build_schema(), path="/graphql", graphql_ide="graphiql", context_getter=get_context
    )

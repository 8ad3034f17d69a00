"""The GraphQL schema and its FastAPI router, mounted at ``/graphql``.

The schema is generated from the code in this package; ``schema.graphql`` at
the repository root is its committed SDL (regenerate with
``python -m kenning.api.graphql.export > schema.graphql``; a test fails when
they drift).
"""

from __future__ import annotations

import json
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.fastapi import GraphQLRouter
from strawberry.types import ExecutionContext

from kenning.api.graphql.context import get_context
from kenning.api.graphql.errors import ErrorCodes, GraphQLRequestError, log_error
from kenning.api.graphql.inputs import StorableText
from kenning.api.graphql.limits import limit_extensions
from kenning.api.graphql.mutation import Mutation
from kenning.api.graphql.query import Query
from kenning.domain.rules import MAX_JSON_DEPTH, find_bad_text


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
    extensions: list[Any] = [*limit_extensions(), StorableText, ErrorCodes]
    return KenningSchema(query=Query, mutation=Mutation, extensions=extensions)


class KenningGraphQLRouter(GraphQLRouter[Any, None]):
    """Strawberry's router, refusing request JSON that nests too deeply or
    holds strings no store may keep before anything parses the document."""

    def decode_json(self, data: str | bytes) -> object:
        """The request body (or the ``variables`` query parameter) as JSON.

        Raises:
            GraphQLRequestError: nested deeper than :data:`MAX_JSON_DEPTH`
                (``json`` itself gives up near Python's recursion limit), or
                a string with a NUL character or a lone surrogate; the API
                answers ``400`` with ``BAD_USER_INPUT`` naming the field.
        """
        try:
            decoded = json.loads(data)
        except RecursionError:
            raise GraphQLRequestError(
                f"the request JSON is nested deeper than {MAX_JSON_DEPTH} levels",
                field="variables",
            ) from None
        found = find_bad_text(decoded, MAX_JSON_DEPTH)
        if found is not None:
            path, problem = found
            raise GraphQLRequestError(f"{path}: {problem}", field=path or None)
        return decoded


def graphql_router() -> GraphQLRouter[Any, None]:
    """``/graphql``: POST (and GET for queries) plus the GraphiQL IDE in a browser."""
    return KenningGraphQLRouter(
        build_schema(), path="/graphql", graphql_ide="graphiql", context_getter=get_context
    )

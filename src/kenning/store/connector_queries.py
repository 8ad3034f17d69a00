"""ConnectorStore over the Cypher library, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`, which provides how a
query runs and how instants convert. Query text: ``cypher/common/agents/``.
"""

from __future__ import annotations

from kenning.domain.models import Scope
from kenning.store.connector_port import FactPair, NamedRef, RestatedFact, SharedPair
from kenning.store.mixin import QueryMixin
from kenning.store.temporal_queries import decode_statement

#: Queries this mixin needs; the loader fails at start if one is missing.
CONNECTOR_QUERIES: tuple[str, ...] = (
    "agents/connector_projection",
    "agents/connector_shared_neighbours",
    "agents/connector_comentions",
    "agents/connector_restated_facts",
)


class ConnectorQueries(QueryMixin):
    """ConnectorStore methods over the Cypher library."""

    async def connector_projection(self, scope: Scope) -> list[FactPair]:
        """See :meth:`ConnectorStore.connector_projection`."""
        params = {"tenant": scope.tenant, "space": scope.space}
        rows = await self._query("agents/connector_projection", params)
        return [
            FactPair(
                NamedRef(r["source"], r["source_key"], r["source_name"]),
                NamedRef(r["target"], r["target_key"], r["target_name"]),
                int(r["facts"]),
            )
            for r in rows
        ]

    async def connector_shared_neighbours(
        self, scope: Scope, max_degree: int, min_shared: int, max_candidates: int
    ) -> list[SharedPair]:
        """See :meth:`ConnectorStore.connector_shared_neighbours`."""
        name = "agents/connector_shared_neighbours"
        return await self._shared(name, scope, max_degree, min_shared, max_candidates)

    async def connector_comentions(
        self,
        scope: Scope,
        max_degree: int,
        min_shared: int,
        max_candidates: int,
        hubs: list[str],
    ) -> list[SharedPair]:
        """See :meth:`ConnectorStore.connector_comentions`."""
        name = "agents/connector_comentions"
        return await self._shared(name, scope, max_degree, min_shared, max_candidates, hubs)

    async def _shared(
        self,
        name: str,
        scope: Scope,
        max_degree: int,
        min_shared: int,
        max_candidates: int,
        hubs: list[str] | None = None,
    ) -> list[SharedPair]:
        params = {
            "tenant": scope.tenant,
            "space": scope.space,
            "max_degree": max_degree,
            "min_shared": min_shared,
            "hubs": hubs or [],
            "max_candidates": max_candidates,
        }
        rows = await self._query(name, params)
        return [
            SharedPair(
                NamedRef(r["a"], r["a_key"], r["a_name"]),
                NamedRef(r["b"], r["b_key"], r["b_name"]),
                [str(v) for v in r["via"]],
                [int(d) for d in r["degrees"]],
            )
            for r in rows
        ]

    async def connector_restated_facts(
        self, scope: Scope, min_statements: int
    ) -> list[RestatedFact]:
        """See :meth:`ConnectorStore.connector_restated_facts`."""
        params = {"tenant": scope.tenant, "space": scope.space, "min_statements": min_statements}
        rows = await self._query("agents/connector_restated_facts", params)
        return [
            RestatedFact(
                r["id"],
                NamedRef(r["subject_id"], r["subject_key"], r["subject"]),
                r["predicate"],
                NamedRef(r["object_id"], r["object_key"], r["object"]),
                [decode_statement(s) for s in r["statements"]],
            )
            for r in rows
        ]

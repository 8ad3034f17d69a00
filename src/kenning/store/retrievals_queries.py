"""RetrievalLogStore over the Cypher library, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`. Query text:
``cypher/common/retrievals/``. Filters and results are stored as JSON text.
"""

from __future__ import annotations

import json

from kenning.domain.models import STORED, Scope
from kenning.retrievals.models import RetrievalLog
from kenning.store.mixin import QueryMixin, Row

#: Queries this mixin needs; the loader fails at start if one is missing.
RETRIEVAL_QUERIES: tuple[str, ...] = tuple(
    f"retrievals/{name}" for name in ("add", "list", "get", "prune")
)


class RetrievalLogQueries(QueryMixin):
    """RetrievalLogStore methods over the Cypher library."""

    def _retrieval_of(self, row: Row) -> RetrievalLog:
        data = dict(row)
        data["created_at"] = self._instant_from_db(data["created_at"])
        data["filters"] = json.loads(data["filters"])
        data["results"] = json.loads(data["results"])
        return RetrievalLog.model_validate(data, context=STORED)

    async def add_retrieval_log(self, scope: Scope, entry: RetrievalLog) -> None:
        """See :meth:`RetrievalLogStore.add_retrieval_log`."""
        params = {
            **self._scope(scope),
            "id": entry.id,
            "kind": entry.kind,
            "query": entry.query,
            "filters": entry.filters.model_dump_json(),
            "results": json.dumps([r.model_dump() for r in entry.results]),
            "latency_ms": entry.latency_ms,
            "key_id": entry.key_id,
            "created_at": entry.created_at,
        }
        await self._query("retrievals/add", params, write=True)

    async def list_retrieval_logs(
        self, scope: Scope, limit: int, cursor: str | None = None
    ) -> list[RetrievalLog]:
        """See :meth:`RetrievalLogStore.list_retrieval_logs`."""
        params = {**self._scope(scope), "limit": limit, "cursor": cursor}
        return [self._retrieval_of(r) for r in await self._query("retrievals/list", params)]

    async def get_retrieval_log(self, scope: Scope, log_id: str) -> RetrievalLog | None:
        """See :meth:`RetrievalLogStore.get_retrieval_log`."""
        rows = await self._query("retrievals/get", {**self._scope(scope), "id": log_id})
        return self._retrieval_of(rows[0]) if rows else None

    async def prune_retrieval_logs(self, scope: Scope, keep: int) -> int:
        """See :meth:`RetrievalLogStore.prune_retrieval_logs`."""
        params = {**self._scope(scope), "keep": keep}
        rows = await self._query("retrievals/prune", params, write=True)
        return int(rows[0]["deleted"]) if rows else 0

"""The queries of :class:`~kenning.store.essential_port.EssentialStore`,
written once for both engines and mixed into ``CypherStore``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kenning.domain.models import NO_CATEGORY, CategoryFilter, Fact, Scope
from kenning.store.essential_port import SupportedFact
from kenning.store.mixin import QueryMixin, Row

#: The queries this mixin runs; the store's loader requires them at start.
ESSENTIAL_QUERIES = ("essential/facts", "essential/marker")


class EssentialQueries(QueryMixin):
    """Implements :class:`EssentialStore` on top of ``CypherStore``'s helpers."""

    if TYPE_CHECKING:  # provided by CypherStore

        def _fact(self, row: Row) -> Fact: ...

    async def essential_facts(
        self,
        scope: Scope,
        predicates: list[str],
        now: datetime,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[SupportedFact]:
        """See :meth:`EssentialStore.essential_facts`."""
        if not predicates:
            return []
        params = {**self._scope(scope), "predicates": predicates, "now": now}
        rows = await self._query("essential/facts", {**params, **categories.params()})
        return [SupportedFact(self._fact(r["fact"]), int(r["support"] or 0)) for r in rows]

    async def space_marker(self, scope: Scope) -> str:
        """See :meth:`EssentialStore.space_marker`."""
        [row] = await self._query("essential/marker", self._scope(scope))
        parts = (row["facts"], row["recorded"], row["expired"], row["ended"], row["statements"])
        return "/".join(str(p) for p in parts)

"""What every query mixin of :class:`~kenning.store.base.CypherStore` relies on.

The mixins (agents, curator, connector, digest, portable) are written once
for both engines; the store provides how a query runs and how instants
convert.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime
from typing import Any

from kenning.domain.models import Scope

#: One result row or parameter map: column or parameter name -> value.
Row = dict[str, Any]


class QueryMixin:
    """The two store operations a query mixin calls, and the scope parameters."""

    @abstractmethod
    async def _query(self, name: str, params: Row, *, write: bool = False) -> list[Row]:
        """Run query ``name`` with instants converted (see CypherStore)."""

    @abstractmethod
    def _instant_from_db(self, value: Any) -> datetime:
        """The engine's stored instant back to an aware UTC datetime."""

    def _instant_or_none(self, value: Any) -> datetime | None:
        """:meth:`_instant_from_db` of a property that may be absent (None)."""
        return None if value is None else self._instant_from_db(value)

    @staticmethod
    def _scope(scope: Scope) -> Row:
        """``$tenant`` and ``$space`` of every scoped query."""
        return {"tenant": scope.tenant, "space": scope.space}

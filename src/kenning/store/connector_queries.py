"""ConnectorStore over the Cypher library, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`, which provides how a
query runs and how instants convert. Query text: ``cypher/common/agents/``.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime
from typing import Any

Row = dict[str, Any]

#: Queries this mixin needs; the loader fails at start if one is missing.
CONNECTOR_QUERIES: tuple[str, ...] = ()


class ConnectorQueries:
    """ConnectorStore methods over the Cypher library."""

    @abstractmethod
    async def _query(self, name: str, params: Row, *, write: bool = False) -> list[Row]:
        """Run query ``name`` with instants converted (see CypherStore)."""

    @abstractmethod
    def _instant_from_db(self, value: Any) -> datetime:
        """The engine's stored instant back to an aware UTC datetime."""

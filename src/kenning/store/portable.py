"""The PortableStore half of the Cypher store, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`, which provides how a
query runs and how instants convert.
"""

from __future__ import annotations

from typing import Any

from kenning.domain.models import Scope
from kenning.store.mixin import QueryMixin, Row
from kenning.store.portable_port import PortableItem, PortableKind, is_instant_property

#: Queries this mixin needs; the loader fails at start if one is missing.
PORTABLE_QUERIES = (
    "portable_export_episode",
    "portable_export_entity",
    "portable_export_fact",
    "portable_export_mention",
    "portable_import_episode",
    "portable_import_entity",
    "portable_import_fact",
    "portable_import_mention",
    "portable_ids_episode",
    "portable_ids_entity",
    "portable_ids_fact",
)
#: Properties an item never carries in ``props``: the scope comes from the
#: caller, the vector travels on its own.
_SCOPED = frozenset({"tenant", "space", "embedding"})


class PortableQueries(QueryMixin):
    """Export and import of whole spaces over the Cypher library."""

    async def export_items(
        self, scope: Scope, kind: PortableKind, after: str, limit: int
    ) -> list[PortableItem]:
        """See :meth:`PortableStore.export_items`."""
        params: Row = {**self._scope(scope), "limit": limit}
        if kind == "mention":
            episode_id, _, entity_id = after.partition(" ")
            params |= {"after_episode": episode_id, "after_entity": entity_id}
        else:
            params["after"] = after
        rows = await self._query(f"portable_export_{kind}", params)
        return [self._item(kind, row) for row in rows]

    def _item(self, kind: PortableKind, row: Row) -> PortableItem:
        raw: Row = dict(row.get("props") or {})
        embedding = raw.pop("embedding", None)
        props = {k: self._portable_value(k, v) for k, v in raw.items() if k not in _SCOPED}
        refs = {k: str(v) for k, v in row.items() if k.endswith("_id") and v is not None}
        vector = [float(x) for x in embedding] if embedding is not None else None
        return PortableItem(kind, props, refs, vector)

    def _portable_value(self, name: str, value: Any) -> Any:
        if value is None or not is_instant_property(name):
            return value
        try:
            return self._instant_from_db(value)
        except (TypeError, ValueError, OverflowError):
            return value  # not an instant after all: carried as stored

    async def import_items(
        self, scope: Scope, kind: PortableKind, items: list[PortableItem]
    ) -> set[int]:
        """See :meth:`PortableStore.import_items`."""
        if not items:
            return set()
        rows = [
            {
                "line": item.line,
                "props": {k: v for k, v in item.props.items() if k not in _SCOPED},
                "embedding": item.embedding,
                **item.refs,
            }
            for item in items
        ]
        result = await self._query(
            f"portable_import_{kind}", {**self._scope(scope), "rows": rows}, write=True
        )
        return {int(x) for x in result[0]["lines"]} if result else set()

    async def existing_ids(self, tenant: str, kind: PortableKind, ids: list[str]) -> list[str]:
        """See :meth:`PortableStore.existing_ids`."""
        if kind == "mention" or not ids:
            return []
        rows = await self._query(f"portable_ids_{kind}", {"tenant": tenant, "ids": ids})
        return sorted(str(r["id"]) for r in rows)

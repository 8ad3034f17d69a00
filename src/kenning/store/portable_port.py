"""The store port for export and import: a space's graph item by item.

An item is what the graph holds, not a domain model: every stored property
(but ``tenant``, ``space`` and ``embedding``), so a space can be rebuilt
exactly on another engine, including properties this code does not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from kenning.domain.models import Scope

#: What an item is: an ``:Episode`` or ``:Entity`` node, a ``FACT`` relationship
#: (every version, archived ones included) or a ``MENTIONS`` relationship.
PortableKind = Literal["episode", "entity", "fact", "mention"]
#: Kinds in the order a space is written: what an item refers to comes first.
PORTABLE_ORDER: tuple[PortableKind, ...] = ("episode", "entity", "fact", "mention")
#: Which ids an item of a kind refers to, by kind of the referred item.
REFERENCES: dict[PortableKind, tuple[tuple[str, PortableKind], ...]] = {
    "episode": (),
    "entity": (),
    "fact": (("subject_id", "entity"), ("object_id", "entity")),
    "mention": (("episode_id", "episode"), ("entity_id", "entity")),
}


def is_instant_property(name: str) -> bool:
    """True for properties that hold instants: names ending in ``_at`` and the
    valid-time bounds (``valid_from``, ``valid_to``, ``stated_valid_*``)."""
    return name.endswith("_at") or name in {
        "valid_from",
        "valid_to",
        "stated_valid_from",
        "stated_valid_to",
    }


@dataclass(slots=True)
class PortableItem:
    """One item of a space.

    Attributes:
        kind: What it is.
        props: Stored properties but ``tenant``, ``space`` and ``embedding``;
            instants (see :func:`is_instant_property`) as aware UTC datetimes,
            other values JSON scalars or lists of them. Empty for mentions.
        refs: Ids it connects (see :data:`REFERENCES`): a fact's
            ``subject_id``/``object_id``, a mention's ``episode_id``/``entity_id``.
        embedding: The stored vector (384 floats), or None.
        line: Where it came from in an import (1-based line), for error messages.
    """

    kind: PortableKind
    props: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    embedding: list[float] | None = None
    line: int = 0

    @property
    def id(self) -> str:
        """The item's id (a mention: ``episode_id`` and ``entity_id`` joined by a space)."""
        if self.kind == "mention":
            return f"{self.refs['episode_id']} {self.refs['entity_id']}"
        return str(self.props["id"])


class PortableStore(Protocol):
    """Keyset-paged reads and batched writes of whole spaces."""

    async def export_items(
        self, scope: Scope, kind: PortableKind, after: str, limit: int
    ) -> list[PortableItem]:
        """Up to ``limit`` items of ``kind`` whose id sorts after ``after``
        (``""``: from the start), in id order; a page shorter than ``limit`` is
        the last."""

    async def import_items(
        self, scope: Scope, kind: PortableKind, items: list[PortableItem]
    ) -> set[int]:
        """Create ``items`` in the space in one transaction; returns the
        ``line`` of each item written. A fact or mention whose ends are not in
        the space is not written (the caller reports its line). Not idempotent:
        import into an empty space."""

    async def existing_ids(self, tenant: str, kind: PortableKind, ids: list[str]) -> list[str]:
        """Those of ``ids`` that an item of ``kind`` already has in any space of
        the tenant (mentions have no ids: always empty)."""

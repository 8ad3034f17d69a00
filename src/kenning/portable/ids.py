"""Fresh ids for an import into a database that already holds the originals.

A Kenning id is ``<prefix>_<12 hex: Unix ms><16 hex: counter>`` and sorts by
creation (keyset pages and the episode neighbourhood rely on it). A remap
keeps the millisecond and adds one random offset to every counter, modulo
2**64: the same id always maps to the same new id (so references can be
rewritten line by line, forward references included), and ids made in the
same millisecond keep their order unless their consecutive counters straddle
the wrap point (odds about n / 2**64).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import replace

from kenning.store.portable_port import PortableItem
from kenning.store.temporal_queries import decode_statement, encode_statement

_KENNING_ID = re.compile(r"^([a-z]+)_([0-9a-f]{12})([0-9a-f]{16})$")
#: Properties that hold ids of items of the same space.
ID_PROPERTIES = ("id", "version_of", "superseded_by")
#: Properties that hold lists of such ids.
ID_LIST_PROPERTIES = ("episode_ids",)
#: Properties that hold lists of encoded statements (JSON text naming episodes).
STATEMENT_LIST_PROPERTIES = ("statements",)


class IdRemap:
    """Maps old ids to new ones deterministically for one import.

    Args:
        offset: Added to each id's counter; random (non-zero) by default.
    """

    def __init__(self, offset: int | None = None) -> None:
        self.offset = offset if offset is not None else secrets.randbits(64) | 1

    def __call__(self, old: str) -> str:
        """The new id of ``old``. Ids not in Kenning's form get a hash-derived one."""
        match = _KENNING_ID.fullmatch(old)
        if match is None:
            digest = hashlib.blake2b(f"{self.offset}:{old}".encode(), digest_size=14)
            return f"im_{digest.hexdigest()}"
        prefix, ms, counter = match.groups()
        return f"{prefix}_{ms}{(int(counter, 16) + self.offset) % 2**64:016x}"

    def item(self, item: PortableItem) -> PortableItem:
        """A copy of ``item`` with its own id and every id it refers to remapped."""
        props = dict(item.props)
        for name in ID_PROPERTIES:
            if isinstance(props.get(name), str):
                props[name] = self(props[name])
        for name in ID_LIST_PROPERTIES:
            if isinstance(props.get(name), list):
                props[name] = [self(x) if isinstance(x, str) else x for x in props[name]]
        for name in STATEMENT_LIST_PROPERTIES:
            if isinstance(props.get(name), list):
                props[name] = [self._statement(x) for x in props[name]]
        refs = {k: self(v) for k, v in item.refs.items()}
        return PortableItem(item.kind, props, refs, item.embedding, item.line)

    def _statement(self, text: object) -> object:
        # A statement names the episodes that said it inside its JSON text.
        if not isinstance(text, str):
            return text
        statement = decode_statement(text)
        return encode_statement(
            replace(statement, episode_ids=tuple(self(e) for e in statement.episode_ids))
        )

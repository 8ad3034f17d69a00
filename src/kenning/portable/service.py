"""Export a space as ``kenning-jsonl`` lines and import such lines into a space.

Export reads the store a page at a time (keyset on id), so a space of any
size streams in constant memory. Import writes in batches into an **empty**
space (it refuses a space that holds anything, so a round trip is exact and
never merges two histories); a file that breaks a rule part-way is answered
with a 4xx naming the line, and what was written of it is deleted again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field

from kenning.domain.models import Scope, utcnow
from kenning.errors import Conflict, InputError
from kenning.portable.format import (
    IdMode,
    check_header,
    end_line,
    header_line,
    item_line,
    parse_line,
    to_item,
)
from kenning.portable.ids import IdRemap
from kenning.store.port import GraphStore
from kenning.store.portable_port import PORTABLE_ORDER, PortableItem, PortableKind

log = logging.getLogger(__name__)

#: Items per store read when exporting.
EXPORT_PAGE = 500
#: Items per store write when importing.
IMPORT_BATCH = 250
#: Longest line an import accepts, in bytes (an item with a 384-d vector and
#: 20k characters of content is ~90 kB).
MAX_LINE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import wrote: items per kind, and whether ids were kept."""

    space: str
    counts: dict[str, int]
    ids: IdMode


class PortabilityService:
    """Export and import of whole spaces.

    Args:
        store: The graph store.
        page: Items per export read (default :data:`EXPORT_PAGE`).
        batch: Items per import write (default :data:`IMPORT_BATCH`).
    """

    def __init__(self, store: GraphStore, page: int = EXPORT_PAGE, batch: int = IMPORT_BATCH):
        self._store = store
        self._page = page
        self._batch = batch

    async def export_lines(self, scope: Scope) -> AsyncIterator[str]:
        """Lines of the space's export: header, items, end. A store failure
        part-way ends the stream without its ``end`` line (an import then
        refuses the file as truncated).

        Raises:
            StoreUnavailable: the store is down (before or while streaming).
        """
        yield header_line(scope.space, self._store.dialect, utcnow())
        counts: dict[str, int] = {}
        for kind in PORTABLE_ORDER:
            counts[kind] = 0
            after = ""
            while True:
                items = await self._store.export_items(scope, kind, after, self._page)
                for item in items:
                    yield item_line(item)
                counts[kind] += len(items)
                if len(items) < self._page:
                    break
                after = items[-1].id
        yield end_line(counts)

    async def import_lines(
        self, scope: Scope, lines: AsyncIterable[bytes], ids: IdMode = "keep"
    ) -> ImportResult:
        """Write an export into the empty space ``scope``.

        Args:
            scope: Target tenant (the caller's) and space.
            lines: The file's lines (``\\n`` stripped or not; blank lines skipped).
            ids: ``keep`` the file's ids (exact; needs ids unused in the tenant),
                or give every item a ``new`` one (see :mod:`kenning.portable.ids`).

        Raises:
            Conflict: the space is not empty, or a kept id is used elsewhere
                in the tenant.
            InputError: a line breaks the format; ``field`` names the line.
            StoreUnavailable: the store is down.
        """
        stats = await self._store.space_stats(scope)
        if stats.episodes or stats.entities or stats.facts:
            raise Conflict(
                f"space {scope.space!r} is not empty ({stats.episodes} episodes, "
                f"{stats.entities} entities, {stats.facts} facts); import into a new space"
            )
        run = _Import(self._store, scope, self._batch, IdRemap() if ids == "new" else None)
        try:
            async for number, raw in _numbered(lines):
                await run.take(number, raw)
            await run.finish()
        except BaseException:
            if run.wrote:
                log.warning("import into %s failed; deleting what it wrote", scope.space)
                with contextlib.suppress(Exception):
                    await self._store.delete_space(scope)
            raise
        return ImportResult(scope.space, run.counts, ids)


async def _numbered(lines: AsyncIterable[bytes]) -> AsyncIterator[tuple[int, bytes]]:
    number = 0
    async for raw in lines:
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(
                f"line {number} is longer than {MAX_LINE_BYTES} bytes", f"line {number}"
            )
        if raw.strip():
            yield number, raw


@dataclass
class _Import:
    """The state of one import as its lines arrive."""

    store: GraphStore
    scope: Scope
    batch_size: int
    remap: IdRemap | None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PORTABLE_ORDER, 0))
    wrote: bool = False
    header: bool = False
    ended: bool = False
    kind_index: int = 0
    pending: list[PortableItem] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    async def take(self, number: int, raw: bytes) -> None:
        line = parse_line(raw, number)
        if not self.header:
            check_header(line, number)
            self.header = True
            return
        if self.ended:
            raise InputError(f"line {number} follows the end line", f"line {number}")
        if line["type"] == "end":
            await self._flush()
            self._check_end(line, number)
            self.ended = True
            return
        if line["type"] == "header":
            raise InputError(f"line {number}: a second header", f"line {number}: type")
        await self._add(to_item(line, number), number)

    async def _add(self, item: PortableItem, number: int) -> None:
        index = PORTABLE_ORDER.index(item.kind)
        if index < self.kind_index:
            order = ", ".join(PORTABLE_ORDER)
            raise InputError(
                f"line {number}: a {item.kind} after a {PORTABLE_ORDER[self.kind_index]} "
                f"(items come in the order {order})",
                f"line {number}: type",
            )
        if index > self.kind_index or len(self.pending) >= self.batch_size:
            await self._flush()
        self.kind_index = index
        self._once(number, f"{item.kind} {item.id}", f"{item.kind} {item.id}")
        # What the engines hold unique per space: a repeat would fail in the store.
        if item.kind == "entity":
            key = item.props["key"]
            self._once(number, f"key {key}", f"entity key {key!r}")
        elif item.kind == "episode":
            dedup = item.props["dedup_key"]
            self._once(number, f"dedup {dedup}", f"episode dedup_key {dedup!r}")
        self.pending.append(self.remap.item(item) if self.remap else item)

    def _once(self, number: int, key: str, what: str) -> None:
        if key in self.seen:
            raise InputError(f"line {number}: {what} appears twice", f"line {number}")
        self.seen.add(key)

    async def _flush(self) -> None:
        if not self.pending:
            return
        items, self.pending = self.pending, []
        kind: PortableKind = items[0].kind
        if self.remap is None:
            await self._refuse_used_ids(kind, items)
        self.wrote = True
        written = await self.store.import_items(self.scope, kind, items)
        self.counts[kind] += len(written)
        missing = [i for i in items if i.line not in written]
        if missing:
            ends = " and ".join(name for name in missing[0].refs)
            raise InputError(
                f"line {missing[0].line}: {ends} must name items earlier in the file",
                f"line {missing[0].line}",
            )

    async def _refuse_used_ids(self, kind: PortableKind, items: list[PortableItem]) -> None:
        used = await self.store.existing_ids(self.scope.tenant, kind, [i.id for i in items])
        if used:
            line = next(i.line for i in items if i.id == used[0])
            raise Conflict(
                f"line {line}: {kind} id {used[0]} is already used in this tenant; "
                "import with ids=new (kenning import kenning-jsonl --new-ids)"
            )

    def _check_end(self, line: dict[str, object], number: int) -> None:
        stated = line.get("counts")
        if not isinstance(stated, dict) or any(
            stated.get(kind) != self.counts[kind] for kind in PORTABLE_ORDER
        ):
            raise InputError(
                f"line {number}: the end line counts {stated!r}, the file holds {self.counts}",
                f"line {number}: counts",
            )

    async def finish(self) -> None:
        if not self.header:
            raise InputError("the file is empty: no header line", "line 1")
        if not self.ended:
            raise InputError("the file ends without its end line (truncated?)", "end")

"""The ``kenning-jsonl`` format: one JSON object per line, each with a ``type``.

::

    {"type": "header", "format": "kenning-jsonl", "version": 1, "space": "alice",
     "engine": "falkordb", "exported_at": "2026-11-27T14:00:00+00:00"}
    {"type": "episode", "properties": {"id": "ep_…", "content": "…", …}, "embedding": [384 floats]}
    {"type": "entity",  "properties": {"id": "en_…", "key": "austin", …}, "embedding": […]}
    {"type": "fact", "subject_id": "en_…", "object_id": "en_…",
     "properties": {"id": "fa_…", "predicate": "lives_in", "valid_from": "…",
                    "version_of": null, …},
     "embedding": […]}
    {"type": "mention", "episode_id": "ep_…", "entity_id": "en_…"}
    {"type": "end", "counts": {"episode": 3, "entity": 4, "fact": 5, "mention": 6}}

``properties`` are every stored property but ``tenant``, ``space``,
``embedding`` and ``claimed_by`` (the exporting process's worker); instants
(names ending in ``_at``, ``valid_from``, ``valid_to``, ``stated_valid_*``)
are ISO 8601 with an offset. Items come in
the order episode, entity, fact, mention (what an item refers to first); the
``end`` line lets an import tell a whole file from a truncated one.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any, Literal, cast

from kenning.errors import InputError
from kenning.store.port import VECTOR_DIMENSION
from kenning.store.portable_port import (
    PORTABLE_ORDER,
    REFERENCES,
    PortableItem,
    PortableKind,
    is_instant_property,
)

FORMAT = "kenning-jsonl"
VERSION = 1
#: A property name as it may be stored: it becomes a map key, never query text.
_PROPERTY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: An id in the file: non-empty, no spaces or control characters.
_ID = re.compile(r"^[\w.:@-]{1,128}$")
#: Properties each kind must carry.
_REQUIRED: dict[PortableKind, tuple[str, ...]] = {
    "episode": ("id", "dedup_key", "content", "status", "recorded_at"),
    "entity": ("id", "key", "name"),
    "fact": ("id", "predicate", "text", "recorded_at"),
    "mention": (),
}
_FORBIDDEN = frozenset({"tenant", "space", "embedding"})
#: Bookkeeping of the process that exported, meaningless in another one: the
#: ingest worker holding a claim (a worker id, not an item of the space).
_LOCAL = frozenset({"claimed_by"})
Line = dict[str, Any]


def header_line(space: str, engine: str, exported_at: datetime) -> str:
    """The first line of an export."""
    return _dump(
        {
            "type": "header",
            "format": FORMAT,
            "version": VERSION,
            "space": space,
            "engine": engine,
            "exported_at": exported_at.isoformat(),
        }
    )


def end_line(counts: dict[str, int]) -> str:
    """The last line of an export: items written per kind."""
    return _dump({"type": "end", "counts": counts})


def item_line(item: PortableItem) -> str:
    """One item as a line (``\\n``-terminated)."""
    line: Line = {"type": item.kind, **item.refs}
    if item.kind != "mention" or item.props:
        props = sorted((k, v) for k, v in item.props.items() if k not in _LOCAL)
        line["properties"] = {k: _json_value(v) for k, v in props}
    if item.kind != "mention":
        line["embedding"] = item.embedding
    return _dump(line)


def _dump(line: Line) -> str:
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def parse_line(text: str | bytes, number: int) -> Line:
    """One line as a JSON object with a known ``type``.

    Raises:
        InputError: not JSON, not an object, or an unknown ``type``; the field
            names the line (``line 7``).
    """
    try:
        line = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(number, f"not JSON ({exc})") from None
    if not isinstance(line, dict):
        raise _bad(number, "must be a JSON object")
    kind = line.get("type")
    if kind not in ("header", "end", *PORTABLE_ORDER):
        raise _bad(number, f"unknown type {kind!r}", "type")
    return line


def check_header(line: Line, number: int) -> str:
    """The space named by a header line.

    Raises:
        InputError: not a ``kenning-jsonl`` version-1 header.
    """
    if line.get("type") != "header" or line.get("format") != FORMAT:
        raise _bad(number, f"the first line must be a {FORMAT} header", "type")
    if line.get("version") != VERSION:
        raise _bad(number, f"version {line.get('version')!r} is not supported", "version")
    return str(line.get("space") or "")


def to_item(line: Line, number: int) -> PortableItem:
    """An item line as a :class:`PortableItem`, every value checked.

    Raises:
        InputError: a missing or malformed field; ``field`` names the line and
            the field (``line 7: properties.valid_from``).
    """
    kind = cast(PortableKind, line["type"])
    refs = {}
    for name, _target in REFERENCES[kind]:
        refs[name] = _id(line.get(name), number, name)
    allowed = {"type", "properties", "embedding", *refs}
    if extra := sorted(set(line) - allowed):
        raise _bad(number, f"unknown field {extra[0]!r}", extra[0])
    props = _properties(line.get("properties", {}), kind, number)
    embedding = _embedding(line.get("embedding"), number)
    return PortableItem(kind, props, refs, embedding, number)


def _properties(raw: Any, kind: PortableKind, number: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _bad(number, "must be an object", "properties")
    for name in _REQUIRED[kind]:
        if raw.get(name) in (None, ""):
            raise _bad(number, "is required", f"properties.{name}")
    props: dict[str, Any] = {}
    for name, value in raw.items():
        field = f"properties.{name}"
        if not _PROPERTY.fullmatch(name) or name in _FORBIDDEN:
            raise _bad(number, "is not a property an item may carry", field)
        props[name] = _value(name, value, number, field)
    if "id" in props:
        _id(props["id"], number, "properties.id")
    return props


def _value(name: str, value: Any, number: int, field: str) -> Any:
    if value is None:
        return None
    if is_instant_property(name):
        return _instant(value, number, field)
    if isinstance(value, list):
        return [_scalar(v, number, field) for v in value]
    return _scalar(value, number, field)


def _scalar(value: Any, number: int, field: str) -> Any:
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _bad(number, "must be a finite number", field)
        return value
    if isinstance(value, str):
        # NUL and lone surrogates cannot be stored (the engines refuse them).
        if "\x00" in value:
            raise _bad(number, "must not contain NUL", field)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _bad(number, "must be valid Unicode (a lone surrogate?)", field) from None
        return value
    raise _bad(number, "must be a string, number, boolean, null or a list of them", field)


def _instant(value: Any, number: int, field: str) -> datetime:
    if not isinstance(value, str):
        raise _bad(number, "must be an ISO 8601 instant with an offset", field)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(number, "must be an ISO 8601 instant with an offset", field) from None
    if parsed.tzinfo is None:
        raise _bad(number, "needs a UTC offset", field)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise _bad(number, "is out of range", field) from None


def _embedding(value: Any, number: int) -> list[float] | None:
    if value is None:
        return None
    ok = isinstance(value, list) and len(value) == VECTOR_DIMENSION
    if ok and all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        vector = [float(x) for x in value]
        if all(math.isfinite(x) for x in vector):
            return vector
    raise _bad(number, f"must be null or {VECTOR_DIMENSION} finite numbers", "embedding")


def _id(value: Any, number: int, field: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise _bad(number, "must be an id: 1-128 letters, digits or . : @ _ -", field)
    return value


def _bad(number: int, rule: str, field: str | None = None) -> InputError:
    where = f"line {number}" + (f": {field}" if field else "")
    return InputError(f"{where} {rule}", field=where)


IdMode = Literal["keep", "new"]

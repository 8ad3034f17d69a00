"""Input rules shared by REST, GraphQL, settings and the services (no I/O).

* Tenants and spaces match :data:`SCOPE_PATTERN` (1–128 word characters or
  ``. : @ -``); ids Kenning issues match :data:`ID_PATTERN` (1–64 of
  ``A–Z a–z 0–9 _ -``). FalkorDB 4.16 crashes creating a node whose uniquely
  constrained property is ``""``, so nothing empty ever reaches a key.
* No string anywhere may hold a NUL character or a lone UTF-16 surrogate
  (:func:`text_problem`): graph engines and UTF-8 encoders refuse them.
* Instants lie within :data:`MIN_INSTANT` … :data:`MAX_INSTANT` once converted
  to UTC (:func:`to_utc`).
* Size limits come from settings and are checked by :class:`InputLimits`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kenning.errors import InputError

if TYPE_CHECKING:
    from kenning.domain.models import EpisodeCreate, FactCreate

#: Tenants and spaces: word characters (any script), digits, ``. : @ -``.
SCOPE_PATTERN = r"^[\w.:@-]+$"
#: Most characters in a tenant or space name.
SCOPE_MAX_CHARS = 128
#: Ids Kenning issues (``ep_…``, ``fa_…``, ``en_…``, ``job_…``).
ID_PATTERN = r"^[A-Za-z0-9_-]+$"
#: Most characters in an id.
ID_MAX_CHARS = 64
#: Characters of a search query: a question or a few sentences (REST, GraphQL,
#: context); longer text is a document, not a query.
QUERY_MAX_CHARS = 2000

#: Earliest and latest instant accepted (UTC): Python's own datetime range.
MIN_INSTANT = datetime.min.replace(tzinfo=UTC)
MAX_INSTANT = datetime.max.replace(tzinfo=UTC)
INSTANT_RANGE = "0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999999Z"

#: Deepest nesting of JSON objects and lists a GraphQL request body may hold.
MAX_JSON_DEPTH = 32

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` may not be stored, or None when it may.

    A NUL character or a lone surrogate (U+D800–U+DFFF, which JSON can carry
    as ``\\ud800`` but UTF-8 cannot encode) is refused.
    """
    match = _FORBIDDEN.search(value)
    if match is None:
        return None
    char = match.group()
    if char == "\x00":
        return f"must not contain a NUL character (U+0000, at index {match.start()})"
    return f"must not contain a lone surrogate (U+{ord(char):04X}, at index {match.start()})"


def find_bad_text(value: object, max_depth: int | None = None) -> tuple[str, str] | None:
    """The first string in ``value`` that breaks :func:`text_problem`, or nesting
    deeper than ``max_depth``, as ``(path, problem)``; None when all is well.

    Walks strings, dict keys and values, lists and tuples without recursion
    (so a hostile depth cannot exhaust the stack). ``path`` is dotted:
    ``"metadata.note"``, ``"0.text"``; ``""`` for ``value`` itself.
    """
    stack: list[tuple[object, tuple[str, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if max_depth is not None and len(path) > max_depth:
            return ".".join(path), f"is nested deeper than {max_depth} levels"
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return ".".join(path), problem
        elif isinstance(item, Mapping):
            for key, inner in item.items():
                if isinstance(key, str) and (problem := text_problem(key)):
                    return ".".join(path), f"key {_shown(key)} {problem}"
                stack.append((inner, (*path, str(key))))
        elif isinstance(item, Sequence | set | frozenset) and not isinstance(item, bytes):
            stack.extend((inner, (*path, str(i))) for i, inner in enumerate(item))
    return None


def _shown(text: str) -> str:
    # A key may itself hold a surrogate, which UTF-8 answers cannot carry.
    return repr(text.encode("utf-8", "backslashreplace").decode())


def to_utc(value: datetime) -> datetime:
    """``value`` (timezone-aware) converted to UTC.

    Raises:
        ValueError: the UTC instant falls outside :data:`INSTANT_RANGE`, e.g.
            ``9999-12-31T23:30:00-01:00`` (year 10000 in UTC).
    """
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"instant must lie within {INSTANT_RANGE} in UTC") from None


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Size limits on what one request may store (``KENNING_MAX_*`` settings).

    Attributes:
        batch: Episodes or facts per request (``KENNING_MAX_BATCH``).
        content_chars: Characters of an episode's content.
        text_chars: Characters of a fact's text.
        name_chars: Characters of an entity name or a speaker.
        type_chars: Characters of an entity type.
        metadata_keys: Keys of an episode's metadata.
        metadata_bytes: Bytes of an episode's metadata serialised as UTF-8 JSON.
    """

    batch: int = 500
    content_chars: int = 20000
    text_chars: int = 2000
    name_chars: int = 256
    type_chars: int = 64
    metadata_keys: int = 64
    metadata_bytes: int = 8192

    def check_batch(self, field: str, size: int) -> None:
        """Raises InputError: ``size`` is 0 or over :attr:`batch`."""
        if size == 0:
            raise InputError(f"{field} must hold at least one item", field=field)
        if size > self.batch:
            raise InputError(
                f"{field} holds {size} items; at most {self.batch} per request (KENNING_MAX_BATCH)",
                field=field,
            )

    def check_chars(self, field: str, value: str | None, limit: int, setting: str) -> None:
        """Raises InputError: ``value`` is longer than ``limit`` characters."""
        if value is not None and len(value) > limit:
            raise InputError(
                f"{field} has {len(value)} characters; at most {limit} (KENNING_{setting})",
                field=field,
            )

    def check_text(self, field: str, value: str | None) -> None:
        """Raises InputError: a fact text longer than :attr:`text_chars`."""
        self.check_chars(field, value, self.text_chars, "MAX_TEXT_CHARS")

    def check_metadata(self, field: str, metadata: Mapping[str, Any] | None) -> None:
        """Raises InputError: too many keys, or too many bytes as JSON."""
        if not metadata:
            return
        if len(metadata) > self.metadata_keys:
            raise InputError(
                f"{field} has {len(metadata)} keys; at most {self.metadata_keys} "
                "(KENNING_MAX_METADATA_KEYS)",
                field=field,
            )
        size = len(json.dumps(metadata, ensure_ascii=False).encode("utf-8"))
        if size > self.metadata_bytes:
            raise InputError(
                f"{field} takes {size} bytes as JSON; at most {self.metadata_bytes} "
                "(KENNING_MAX_METADATA_BYTES)",
                field=field,
            )

    def check_episodes(self, items: Sequence[EpisodeCreate], field: str = "episodes") -> None:
        """Every limit on a batch of episodes; the first broken one is raised.

        Raises:
            InputError: ``field`` names the item, e.g. ``episodes.3.content``.
        """
        self.check_batch(field, len(items))
        for i, item in enumerate(items):
            where = f"{field}.{i}"
            self.check_chars(
                f"{where}.content", item.content, self.content_chars, "MAX_CONTENT_CHARS"
            )
            self.check_chars(f"{where}.speaker", item.speaker, self.name_chars, "MAX_NAME_CHARS")
            self.check_metadata(f"{where}.metadata", item.metadata)

    def check_facts(self, items: Sequence[FactCreate], field: str = "facts") -> None:
        """Every limit on a batch of facts; the first broken one is raised.

        Raises:
            InputError: ``field`` names the item, e.g. ``facts.0.text``.
        """
        self.check_batch(field, len(items))
        for i, item in enumerate(items):
            where = f"{field}.{i}"
            for name in ("subject", "object"):
                self.check_chars(
                    f"{where}.{name}", getattr(item, name), self.name_chars, "MAX_NAME_CHARS"
                )
            for name in ("subject_type", "object_type"):
                self.check_chars(
                    f"{where}.{name}", getattr(item, name), self.type_chars, "MAX_TYPE_CHARS"
                )
            self.check_text(f"{where}.text", item.text)

"""GraphQL input types and the argument checks resolvers share."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import strawberry
from graphql import ArgumentNode, GraphQLError, ObjectFieldNode, StringValueNode, ValidationRule
from pydantic import ValidationError
from strawberry.extensions import AddValidationRules
from strawberry.scalars import JSON

from kenning.domain.models import EpisodeCreate, FactCreate
from kenning.domain.rules import text_problem, to_utc
from kenning.errors import InputError
from kenning.graph.service import time_filter
from kenning.store.graph_port import EntityFilter, TimeFilter

_CURSOR_PREFIX = "k1:"


@strawberry.input(one_of=True, description="An entity by id or by name (exactly one).")
class EntityRef:
    id: strawberry.ID | None = strawberry.UNSET
    name: str | None = strawberry.UNSET


@strawberry.input(description="Which entities to list; every given field must match.")
class EntityFilterInput:
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the name."
    )
    type: str | None = strawberry.field(default=None, description="e.g. Person, Concept, Value.")

    def to_filter(self) -> EntityFilter:
        """The store's filter."""
        return EntityFilter(name_contains=self.name_contains or None, type=self.type or None)


@strawberry.input(description="One message or document to remember.")
class EpisodeInput:
    content: str
    role: str = "user"
    speaker: str | None = None
    occurred_at: datetime | None = strawberry.field(
        default=None, description="When it was said (with a zone). Default: when received."
    )
    idempotency_key: str | None = None
    source: str | None = None
    metadata: JSON | None = None
    agent_id: str | None = None
    run_id: str | None = None
    app_id: str | None = None


@strawberry.input(description="A structured triple, stored without extraction.")
class FactInput:
    subject: str
    predicate: str
    object: str
    subject_type: str = "Entity"
    object_type: str = "Entity"
    text: str | None = None
    confidence: float = 1.0
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    agent_id: str | None = None
    run_id: str | None = None
    app_id: str | None = None


def ref_args(ref: EntityRef) -> dict[str, str | None]:
    """``id``/``name`` keyword arguments for ``GraphService.entity``."""
    ident = ref.id if ref.id is not strawberry.UNSET else None
    name = ref.name if ref.name is not strawberry.UNSET else None
    return {"id": str(ident) if ident is not None else None, "name": name}


def aware(value: datetime | None, field: str) -> datetime | None:
    """``value`` in UTC, if it has a time zone.

    Raises:
        InputError: a naive datetime, which would be read in an unknown zone,
            or one outside the instant range in UTC (see ``domain.rules``).
    """
    if value is None:
        return None
    if value.utcoffset() is None:
        raise InputError(f"{field} needs a time zone, e.g. 2023-05-08T00:00:00Z", field=field)
    try:
        return to_utc(value)
    except ValueError as exc:
        raise InputError(f"{field}: {exc}", field=field) from None


def times(as_of: datetime | None, known_at: datetime | None) -> TimeFilter:
    """The time filter for ``asOf``/``knownAt``; now for each one left out."""
    return time_filter(aware(as_of, "asOf"), aware(known_at, "knownAt"))


def encode_cursor(item_id: str) -> str:
    """An opaque cursor for keyset pagination after ``item_id``."""
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + item_id).encode()).decode()


def decode_cursor(cursor: str | None) -> str:
    """The id a cursor stands for ("" for the first page).

    Raises:
        InputError: not a cursor this API gave out.
    """
    if not cursor:
        return ""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_CURSOR_PREFIX):
        raise InputError("after is not a cursor from this API", field="after")
    return text.removeprefix(_CURSOR_PREFIX)


def _validated(model: Any, item: object, field: str) -> Any:
    try:
        return model.model_validate(vars(item))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([field, *(str(p) for p in first["loc"])])
        raise InputError(f"{where}: {first['msg']}", field=where) from None


def episodes_in(items: list[EpisodeInput]) -> list[EpisodeCreate]:
    """Validated episodes; the field of the first broken rule is named.

    Raises:
        InputError: e.g. ``episodes.2.occurred_at: Input should have timezone info``.
    """
    return [_validated(EpisodeCreate, item, f"episodes.{i}") for i, item in enumerate(items)]


def facts_in(items: list[FactInput]) -> list[FactCreate]:
    """Validated triples; the field of the first broken rule is named.

    Raises:
        InputError: e.g. ``facts.0.confidence: Input should be less than or equal to 1``.
    """
    return [_validated(FactCreate, item, f"facts.{i}") for i, item in enumerate(items)]


class StorableText(AddValidationRules):
    """Refuse a document whose string literals hold a NUL character or a lone
    surrogate (``"\\u0000"`` in GraphQL text), naming the argument."""

    def __init__(self) -> None:
        super().__init__([_TextRule])


class _TextRule(ValidationRule):
    def enter_string_value(self, node: StringValueNode, *args: Any) -> None:
        problem = text_problem(node.value)
        if problem is None:
            return
        # graphql-core passes (key, parent, path, ancestors); ancestors end
        # above the parent.
        parent, ancestors = (args[1], args[3]) if len(args) >= 4 else (None, [])
        names = [
            a.name.value
            for a in [*ancestors, parent]
            if isinstance(a, ArgumentNode | ObjectFieldNode)
        ]
        field = ".".join(names) or None
        self.report_error(
            GraphQLError(
                f"{field}: {problem}" if field else problem,
                node,
                extensions={"field": field},
            )
        )

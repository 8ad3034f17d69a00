"""Episodes, entities, facts and the shapes that move between them.

Instants are timezone-aware UTC ``datetime`` values; JSON shows ISO 8601.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from kenning.domain.ids import predicate_key
from kenning.domain.rules import (
    ID_MAX_CHARS,
    ID_PATTERN,
    INSTANT_RANGE,
    SCOPE_MAX_CHARS,
    SCOPE_PATTERN,
    find_bad_text,
    to_utc,
)


def _predicate(value: str) -> str:
    key = predicate_key(value)
    if not key:
        raise ValueError("predicate needs at least one letter or digit")
    return key


#: A timezone-aware instant, normalised to UTC. Naive datetimes are refused, and
#: so is one whose UTC value falls outside the datetime range (year 1 to 9999).
Instant = Annotated[
    AwareDatetime,
    AfterValidator(to_utc),
    Field(description=f"ISO 8601 with a zone, within {INSTANT_RANGE} in UTC."),
]
#: snake_case predicate, normalised from free text ("Works at" → "works_at").
Predicate = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_predicate)]
#: An entity name or speaker; its length limit is KENNING_MAX_NAME_CHARS.
Name = Annotated[str, Field(min_length=1)]
#: An entity type such as Person; its length limit is KENNING_MAX_TYPE_CHARS.
EntityType = Annotated[str, Field(min_length=1)]
Tag = Annotated[str, Field(min_length=1, max_length=128)]
#: A space: who a memory belongs to within a tenant.
SpaceId = Annotated[str, Field(min_length=1, max_length=SCOPE_MAX_CHARS, pattern=SCOPE_PATTERN)]
#: A tenant: set by API keys (KENNING_API_KEYS), never by a request body.
TenantId = Annotated[str, Field(min_length=1, max_length=SCOPE_MAX_CHARS, pattern=SCOPE_PATTERN)]
#: An id Kenning issued (``ep_…``, ``fa_…``, ``en_…``, ``job_…``).
ItemId = Annotated[str, Field(min_length=1, max_length=ID_MAX_CHARS, pattern=ID_PATTERN)]
Metadata = dict[str, str | int | float | bool | None]
T = TypeVar("T")


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


#: Validation context of models built from what the store returns
#: (``Fact.model_validate(row, context=STORED)``): types and times are still
#: checked, but their text is not scanned again for NUL characters and lone
#: surrogates, which cannot be stored (a search builds ~40 such models; the
#: scan walked every string of each).
STORED: dict[str, bool] = {"stored": True}


class Model(BaseModel):
    """Base: unknown fields are refused, so typos surface as 422, and no string
    of any field (nested lists and dict keys included) may hold a NUL character
    or a lone surrogate (see :func:`kenning.domain.rules.text_problem`)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any, info: ValidationInfo) -> Any:
        # Nested models ran this validator on their own fields already, and
        # what was read from the store was checked when it was written.
        if isinstance(value, BaseModel) or info.context is STORED:
            return value
        found = find_bad_text(value)
        if found is not None:
            path, problem = found
            raise ValueError(f"{path}: {problem}" if path else problem)
        return value


class Scope(Model):
    """Whose memory: ``tenant`` (isolation, from credentials) and ``space`` (a user)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tenant: TenantId
    space: SpaceId


class Tags(Model):
    """Optional filter tags carried by episodes and facts."""

    agent_id: Tag | None = None
    run_id: Tag | None = None
    app_id: Tag | None = None


@dataclass(frozen=True, slots=True)
class CategoryFilter:
    """Which memory category a read is limited to: the ``agent_id``,
    ``run_id`` and ``app_id`` tags of episodes and facts, combined with AND.

    A field left None does not filter; ``CategoryFilter()`` filters nothing.
    Queries receive the three as ``$agent_id``, ``$run_id``, ``$app_id``
    (null: no filter) from :meth:`params`.
    """

    agent_id: str | None = None
    run_id: str | None = None
    app_id: str | None = None

    def __bool__(self) -> bool:
        return any((self.agent_id, self.run_id, self.app_id))

    def params(self) -> dict[str, str | None]:
        """The query parameters ``agent_id``, ``run_id``, ``app_id``."""
        return {"agent_id": self.agent_id, "run_id": self.run_id, "app_id": self.app_id}

    def matches(self, item: Tags) -> bool:
        """Whether an episode or fact carries every tag this filter names."""
        return all(
            want is None or want == have
            for want, have in (
                (self.agent_id, item.agent_id),
                (self.run_id, item.run_id),
                (self.app_id, item.app_id),
            )
        )


#: No category filter.
NO_CATEGORY = CategoryFilter()


class EpisodeStatus(StrEnum):
    """Where an episode is in the ingest pipeline."""

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


Role = Literal["user", "assistant", "system", "tool", "document"]


class EpisodeCreate(Tags):
    """One message or document as a caller sends it."""

    content: Annotated[str, Field(min_length=1)] = Field(
        description="At most KENNING_MAX_CONTENT_CHARS (default 20000) characters."
    )
    role: Role = "user"
    speaker: Name | None = None
    occurred_at: Instant | None = Field(
        None, description="When it was said (UTC, ISO 8601). Default: when received."
    )
    idempotency_key: Tag | None = Field(
        None, description="Client key; a resend with the same key is a no-op."
    )
    source: Tag | None = None
    metadata: Metadata | None = Field(
        None,
        description="Flat JSON object; at most KENNING_MAX_METADATA_KEYS (default 64) keys "
        "and KENNING_MAX_METADATA_BYTES (default 8192) bytes as JSON.",
    )
    private: bool = Field(
        False, description="Never shared with a team, nor are facts drawn only from it."
    )


class Episode(Tags):
    """A stored episode: the raw truth that facts trace back to."""

    id: str
    space: str
    role: Role
    speaker: str | None
    content: str
    content_hash: str
    occurred_at: datetime
    recorded_at: datetime
    status: EpisodeStatus
    error: str | None = None
    source: str | None = None
    metadata: Metadata | None = None
    extractor: str | None = Field(
        None, description="What extracted it, e.g. 'openai:gpt-4o-mini/triples_v1'."
    )
    extraction_fallback: str | None = Field(
        None, description="Why its LLM extraction fell back to spaCy; None when it did not."
    )
    private: bool = Field(False, description="Never shared with a team.")


class Entity(Model):
    """A node of the graph, unique per (tenant, space, key)."""

    id: str
    space: str
    name: str
    key: str
    type: str
    aliases: list[str] = Field(default_factory=list)
    summary: str | None = None
    created_at: datetime
    updated_at: datetime


class Triple(Model):
    """Subject–predicate–object with optional valid time, before it is stored."""

    subject: Name
    predicate: Predicate
    object: Name
    subject_type: EntityType = "Entity"
    object_type: EntityType = "Entity"
    text: str | None = Field(
        None,
        description="A sentence stating the fact; at most KENNING_MAX_TEXT_CHARS "
        "(default 2000) characters.",
    )
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    valid_from: Instant | None = None
    valid_to: Instant | None = None


class FactCreate(Triple, Tags):
    """A structured triple posted without extraction (``POST /v1/facts``)."""

    private: bool = Field(False, description="Never shared with a team.")


class SharedFrom(Model):
    """Where a shared item comes from: the space that shared it and the team
    through which the reader sees it."""

    space: str
    team: str


class Fact(Tags):
    """A stored fact: an ``(:Entity)-[:FACT]->(:Entity)`` relationship."""

    id: str
    space: str
    subject: str
    predicate: str
    object: str
    text: str
    confidence: float
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    recorded_at: datetime
    expired_at: datetime | None = None
    episode_ids: list[str] = Field(default_factory=list)
    superseded_by: str | None = None
    observed_at: datetime | None = Field(
        None, description="When a source first stated it: its first episode's occurred_at."
    )
    version_of: str | None = Field(
        None, description="Set on archived versions: the id of the fact they are history of."
    )
    invalidation_reason: str | None = None
    extractor: str | None = Field(
        None,
        description="What made it: extractor, model and prompt version, e.g. "
        "'openai:gpt-4o-mini/triples_v1' or 'spacy:en_core_web_sm'; none for posted facts.",
    )
    private: bool = Field(False, description="Never shared with a team.")
    shared_from: SharedFrom | None = Field(
        None, description="Set on a fact another space shares with a team of the reader."
    )


class ExtractedEntity(Model):
    """An entity mention found in an episode."""

    name: Name
    type: str = "Entity"


class Extraction(Model):
    """What an extractor found in one episode."""

    episode_id: str
    entities: list[ExtractedEntity] = Field(default_factory=list)
    triples: list[Triple] = Field(default_factory=list)
    #: Indexes into ``triples`` the extractor marked private (sensitive).
    private: list[int] = Field(default_factory=list)
    extractor: str | None = Field(
        None, description="Extractor, model and prompt version that made it."
    )
    fallback: str | None = Field(
        None, description="Why an LLM extraction fell back to spaCy; None when it did not."
    )
    input_tokens: int = Field(0, ge=0, description="LLM input tokens spent on this episode.")
    output_tokens: int = Field(0, ge=0, description="LLM output tokens spent on this episode.")
    seconds: float = Field(0.0, ge=0.0, description="Extraction time of this episode, s.")


class JobStatus(Model):
    """Progress of one ingest request, read from the episodes themselves."""

    id: str
    space: str
    created_at: datetime
    total: int
    pending: int
    processing: int
    done: int
    failed: int
    stuck: int = Field(
        0,
        description="Of `processing`, episodes whose claim lease ran out (their worker "
        "died or stalled); the next worker to poll takes them again.",
    )
    errors: list[str] = Field(default_factory=list)
    extraction_fallbacks: int = Field(
        0, description="Done episodes whose LLM extraction fell back to spaCy."
    )
    llm_input_tokens: int = Field(0, description="LLM input tokens spent on the job's episodes.")
    llm_output_tokens: int = Field(0, description="LLM output tokens spent on the job's episodes.")
    extraction_seconds: float = Field(
        0.0, description="Seconds of extraction (LLM calls included) over the job's episodes."
    )


class ChannelScore(Model):
    """How one retrieval channel ranked a hit (rank is 1-based) and why."""

    rank: int
    score: float
    reason: str | None = None


class SearchHit(Model):
    """One fused search result, with why it came back."""

    kind: Literal["fact", "episode"]
    id: str
    score: float = Field(description="Reciprocal rank fusion score.")
    channels: dict[str, ChannelScore]
    text: str
    episode_ids: list[str]
    occurred_at: datetime | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    fact: Fact | None = None
    episode: Episode | None = None
    shared_from: SharedFrom | None = Field(
        None, description="Set on a hit another space shares with a team of the reader."
    )


class Page(Model, Generic[T]):
    """A page of a keyset-paginated listing; pass ``next_after`` as ``after``."""

    items: list[T]
    next_after: str | None = None

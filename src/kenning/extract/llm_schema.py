"""What LLM extractors ask for and how their answers are read: one JSON
schema shared by OpenAI (strict ``response_format``) and Anthropic (a tool's
``input_schema``), the versioned prompts, and the parsing of an answer into
:class:`~kenning.domain.models.Extraction` values.

Time expressions come back as said ("last Saturday"); Kenning grounds them
against the episode's ``occurred_at`` itself (:func:`ground_dates`), as it
does for spaCy, so no model does calendar arithmetic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from pydantic import BaseModel, ValidationError

from kenning.domain.ids import entity_key
from kenning.domain.models import Episode, ExtractedEntity, Extraction, Triple
from kenning.errors import ConfigError
from kenning.extract.predicates import CANONICAL_PREDICATES, canonical_predicate
from kenning.extract.temporal import ground_dates

#: Entity types the prompt offers (the spaCy extractor's types, plus Value).
ENTITY_TYPES = (
    "Person",
    "Place",
    "Organization",
    "Group",
    "Product",
    "Event",
    "Work",
    "Concept",
    "Value",
)
#: Name of the Anthropic tool and the OpenAI json_schema.
SCHEMA_NAME = "record_extractions"


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """A strict object: every property required, nothing else allowed (what
    OpenAI's strict mode demands)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_ENTITY = _object(
    {"name": {"type": "string"}, "type": {"type": "string", "enum": list(ENTITY_TYPES)}}
)
_TRIPLE = _object(
    {
        "subject": {"type": "string"},
        "predicate": {"type": "string", "description": "snake_case, canonical where one fits"},
        "object": {"type": "string"},
        "confidence": {"type": "number", "description": "0 to 1"},
        "time": {
            "type": ["string", "null"],
            "description": "the time expression as said in the turn, or null",
        },
        "private": {"type": "boolean", "description": "true for sensitive facts"},
    }
)
#: The JSON schema of one answer: extractions keyed by episode id.
EXTRACTION_SCHEMA: dict[str, Any] = _object(
    {
        "episodes": {
            "type": "array",
            "items": _object(
                {
                    "episode_id": {"type": "string"},
                    "entities": {"type": "array", "items": _ENTITY},
                    "triples": {"type": "array", "items": _TRIPLE},
                }
            ),
        }
    }
)


class MalformedAnswer(ValueError):
    """An answer that is not JSON of :data:`EXTRACTION_SCHEMA`."""


class _Entity(BaseModel):
    name: str
    type: str


class _Triple(BaseModel):
    subject: str
    predicate: str
    object: str
    confidence: float = 0.9
    time: str | None = None
    private: bool = False


class _Item(BaseModel):
    episode_id: str
    entities: list[_Entity] = []
    triples: list[_Triple] = []


class _Answer(BaseModel):
    episodes: list[_Item]


def load_prompt(version: str) -> str:
    """The system prompt of ``version`` (``prompts/<version>.md``) with the
    canonical predicates filled in.

    Raises:
        ConfigError: no such prompt file; names ``KENNING_LLM_PROMPT``.
    """
    path = resources.files("kenning.extract") / "prompts" / f"{version}.md"
    if not path.is_file():
        raise ConfigError(f"KENNING_LLM_PROMPT: no prompt file prompts/{version}.md")
    listing = "\n".join(f"- {name}: {use}" for name, use in CANONICAL_PREDICATES.items())
    return path.read_text(encoding="utf-8").replace("{predicates}", listing)


def _line(episode: Episode) -> str:
    who = episode.speaker or episode.role
    return f"[{episode.id}] {episode.occurred_at.isoformat()} {who}: {episode.content}"


def render_turns(turns: Sequence[Episode], history: Sequence[Episode]) -> str:
    """The user message: earlier turns (context only), then the turns to extract,
    one line each: ``[episode id] ISO time speaker: text``."""
    parts = []
    if history:
        parts += ["Earlier turns (context only):", *(_line(e) for e in history), ""]
    parts += ["Turns to extract:", *(_line(e) for e in turns)]
    return "\n".join(parts)


def parse_answer(data: object, turns: Sequence[Episode], label: str) -> dict[str, Extraction]:
    """Read an answer (a JSON text or an already decoded object) into one
    extraction per episode id it names among ``turns``.

    Args:
        data: The model's JSON text (OpenAI) or tool input (Anthropic).
        turns: The episodes asked about; ids outside them are ignored.
        label: What made it, recorded on each extraction and fact.

    Returns:
        Extractions by episode id; a turn the answer left out is missing.

    Raises:
        MalformedAnswer: not JSON, or not of the schema.
    """
    try:
        decoded = json.loads(data) if isinstance(data, str | bytes) else data
        answer = _Answer.model_validate(decoded)
    except (json.JSONDecodeError, ValidationError) as exc:
        raise MalformedAnswer(str(exc).splitlines()[0][:200]) from exc
    by_id = {e.id: e for e in turns}
    found: dict[str, Extraction] = {}
    for item in answer.episodes:
        episode = by_id.get(item.episode_id)
        if episode is not None and item.episode_id not in found:
            found[item.episode_id] = _extraction(item, episode, label)
    return found


def _extraction(item: _Item, episode: Episode, label: str) -> Extraction:
    """One episode's answer as an Extraction; unusable triples are dropped."""
    types: dict[str, str] = {}
    entities: list[ExtractedEntity] = []
    for entity in item.entities:
        key, kind = entity_key(entity.name), _type(entity.type)
        if key and key not in types:
            types[key] = kind
            entities.append(ExtractedEntity(name=entity.name.strip(), type=kind))
    triples: list[Triple] = []
    private: list[int] = []
    for raw in item.triples:
        triple = _triple(raw, episode, types)
        if triple is not None:
            if raw.private:
                private.append(len(triples))
            triples.append(triple)
    return Extraction(
        episode_id=episode.id,
        entities=entities,
        triples=triples,
        private=private,
        extractor=label,
    )


def _type(name: str) -> str:
    return name if name in ENTITY_TYPES else "Entity"


def _triple(raw: _Triple, episode: Episode, types: Mapping[str, str]) -> Triple | None:
    """A triple with its time grounded against ``occurred_at``; None when an
    end or the predicate has no letters."""
    subject, obj = raw.subject.strip(), raw.object.strip()
    predicate = canonical_predicate(raw.predicate)
    if not (entity_key(subject) and entity_key(obj) and predicate) or len(predicate) > 64:
        return None
    grounded = ground_dates(raw.time, episode.occurred_at) if raw.time else None
    valid_from = grounded.start if grounded else None
    valid_to = grounded.end if grounded else None
    speaker_key = entity_key(episode.speaker or "")
    try:
        return Triple(
            subject=subject,
            predicate=predicate,
            object=obj,
            subject_type=types.get(entity_key(subject))
            or ("Person" if entity_key(subject) == speaker_key else "Entity"),
            object_type=types.get(entity_key(obj), "Entity"),
            confidence=min(max(raw.confidence, 0.0), 1.0),
            valid_from=valid_from,
            valid_to=valid_to,
        )
    except ValidationError:  # e.g. a NUL character in a name
        return None

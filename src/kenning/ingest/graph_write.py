"""Turn extractions into one scope's graph write (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from kenning.domain.ids import entity_key, new_id
from kenning.domain.models import Episode, Extraction, Tags, Triple
from kenning.store.port import EntityRow, EpisodeExtraction, FactRow, GraphWrite, MentionRow
from kenning.store.temporal_port import Statement
from kenning.temporal.tense import ground_tense

#: Entity type given to an episode's speaker.
SPEAKER_TYPE = "Person"


class GraphWriteBuilder:
    """Collects entities, facts and mentions, resolving entities by key.

    Entity resolution here is by normalised name within the batch; the store
    merges on the same key within the space. Facts with the same (subject,
    predicate, object) share one row: their episode ids and statements join,
    the higher confidence wins.
    """

    def __init__(self) -> None:
        self._entities: dict[str, EntityRow] = {}
        self._facts: dict[tuple[str, str, str], FactRow] = {}
        self._mentions: dict[tuple[str, str], MentionRow] = {}

    def entity(self, name: str, type_: str) -> str | None:
        """Register an entity; returns its key, or None for a name with no key."""
        key = entity_key(name)
        if not key:
            return None
        known = self._entities.get(key)
        if known is None or (known.type == "Concept" and type_ not in ("Concept", "Entity")):
            # A typed mention (Person, Place, ...) beats a generic one.
            self._entities[key] = EntityRow(
                id=known.id if known else new_id("en"), key=key, name=name.strip(), type=type_
            )
        return key

    def mention(self, episode_id: str, key: str) -> None:
        """Record that an episode mentions an entity."""
        self._mentions[(episode_id, key)] = MentionRow(episode_id=episode_id, key=key)

    def fact(
        self,
        triple: Triple,
        episode_ids: list[str],
        tags: Tags,
        observed_at: datetime | None = None,
        extractor: str | None = None,
        private: bool = False,
    ) -> str | None:
        """Register a triple as a fact; returns the fact row id, or None if unkeyable.

        ``observed_at`` is when its episode was said (None: when it is written;
        give it for a statement to be kept on its own, as the API does). Each
        call is one :class:`Statement`; a row merged with another keeps both
        statements (supersession decides whether they are one fact) and the
        earliest start, latest end and earliest observation, so the batch
        order does not matter. ``extractor`` names what made it (kept from the
        first statement); ``private`` marks it sensitive (any statement).
        """
        subject = self.entity(triple.subject, triple.subject_type)
        obj = self.entity(triple.object, triple.object_type)
        if subject is None or obj is None or subject == obj:
            return None
        identity = (subject, triple.predicate, obj)
        known = self._facts.get(identity)
        said = (
            []
            if observed_at is None
            else [
                Statement(
                    tuple(episode_ids),
                    triple.valid_from,
                    triple.valid_to,
                    observed_at,
                    triple.confidence,
                ).canonical()
            ]
        )
        if known is not None:
            merged = known.episode_ids + [i for i in episode_ids if i not in known.episode_ids]
            self._facts[identity] = replace(
                known,
                episode_ids=merged,
                confidence=max(known.confidence, triple.confidence),
                valid_from=_earliest(known.valid_from, triple.valid_from),
                valid_to=_latest(known.valid_to, triple.valid_to),
                observed_at=_earliest(known.observed_at, observed_at),
                statements=known.statements + [x for x in said if x not in known.statements],
                private=known.private or private,
            )
            return known.id
        text = (
            triple.text or f"{triple.subject} {triple.predicate.replace('_', ' ')} {triple.object}"
        )
        self._facts[identity] = FactRow(
            id=new_id("fa"),
            subject_key=subject,
            predicate=triple.predicate,
            object_key=obj,
            text=text,
            confidence=triple.confidence,
            valid_from=triple.valid_from,
            valid_to=triple.valid_to,
            episode_ids=list(episode_ids),
            agent_id=tags.agent_id,
            run_id=tags.run_id,
            app_id=tags.app_id,
            observed_at=observed_at,
            statements=said,
            extractor=extractor,
            private=private,
        )
        return self._facts[identity].id

    def build(self) -> GraphWrite:
        """The collected rows (vectors are added by the caller)."""
        return GraphWrite(
            entities=list(self._entities.values()),
            facts=list(self._facts.values()),
            mentions=list(self._mentions.values()),
        )


def from_extractions(episodes: Sequence[Episode], extractions: Iterable[Extraction]) -> GraphWrite:
    """Build the write for episodes of one scope and their extractions.

    Every episode's speaker becomes a Person entity it mentions; every
    extracted entity and both ends of every triple are mentioned too. How each
    episode was extracted (extractor, fallback, tokens, seconds) goes into
    ``episode_extraction``.
    """
    builder = GraphWriteBuilder()
    by_id = {e.id: e for e in episodes}
    for extraction in extractions:
        episode = by_id[extraction.episode_id]
        keys: list[str | None] = []
        if episode.speaker:
            keys.append(builder.entity(episode.speaker, SPEAKER_TYPE))
        keys += [builder.entity(e.name, e.type) for e in extraction.entities]
        private = set(extraction.private)
        grounded = (
            (n, triple)
            for n, raw in enumerate(extraction.triples)
            for triple in ground_tense([raw], episode.occurred_at)
        )
        for n, triple in grounded:
            made = builder.fact(
                triple,
                [episode.id],
                episode,
                episode.occurred_at,
                extractor=extraction.extractor,
                private=n in private,
            )
            if made is not None:
                keys += [
                    builder.entity(triple.subject, triple.subject_type),
                    builder.entity(triple.object, triple.object_type),
                ]
        for key in keys:
            if key is not None:
                builder.mention(episode.id, key)
    write = builder.build()
    write.episode_extraction = {
        x.episode_id: EpisodeExtraction(
            extractor=x.extractor,
            fallback=x.fallback,
            input_tokens=x.input_tokens,
            output_tokens=x.output_tokens,
            seconds=round(x.seconds, 6),
        )
        for x in extractions
        if x.extractor is not None
    }
    return write


#: Episode metadata keys whose text describes an attachment (an image's
#: caption); it is part of what was said, so it is embedded with the content.
ATTACHMENT_TEXT_KEYS = ("image_caption",)


def searchable_text(episode: Episode) -> str:
    """What was said plus the text of its attachments: ``content [image: caption]``."""
    extras = [
        f"[image: {value}]"
        for key in ATTACHMENT_TEXT_KEYS
        if isinstance(value := (episode.metadata or {}).get(key), str) and value
    ]
    return " ".join([episode.content, *extras])


def embedding_text(episode: Episode) -> str:
    """The text embedded for an episode: who said it, then what was said and shown."""
    text = searchable_text(episode)
    return f"{episode.speaker}: {text}" if episode.speaker else text


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)

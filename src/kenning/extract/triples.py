"""Dependency-parse triples, built sentence by sentence.

Triples are subject-verb-object readings of each clause: ``nsubj``/``nsubjpass``
as subject; ``dobj``/``attr``/``oprd``, ``prep`` + ``pobj`` and ``acomp`` as
objects. The predicate is the verb in the third person ("I work at" →
``works_at``) or its past form ("I moved to" → ``moved_to``), plus a particle
or preposition. Dates in the same sentence give the triple's valid time (see
:mod:`kenning.extract.temporal`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from spacy.tokens import Span, Token

from kenning.domain.ids import entity_key, predicate_key
from kenning.domain.models import Triple
from kenning.extract.grammar import SUBJECT_DEPS, verb_form
from kenning.extract.mentions import (
    ENTITY_TYPES,
    TIME_LABELS,
    Context,
    Mention,
    first_person_possessed,
    resolve,
)
from kenning.extract.speaker import speaker_text
from kenning.extract.temporal import END_MARKERS, START_MARKERS, ground_dates

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

_OBJECT_DEPS = frozenset({"dobj", "attr", "oprd"})
_PREP_DEPS = frozenset({"prep", "agent", "dative"})
_MAX_PREDICATE = 64


def sentence_triples(sent: Span, ctx: Context) -> list[Triple]:
    """Triples of one sentence, with its valid time; none for a question."""
    if sent.text.rstrip().endswith("?"):
        return []
    valid_from, valid_to = _sentence_time(sent, ctx.reference)
    text = speaker_text(sent, ctx.speaker)
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


def _verb_triples(verb: Token, ctx: Context) -> Iterator[tuple[Mention, str, Mention, float]]:
    """(subject, predicate, object, confidence) for each reading of one verb."""
    if verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("aux", "auxpass"):
        return
    resolved = [resolve(token, ctx) for token in _subjects(verb)]
    subjects = [m for m in resolved if m is not None]
    if not subjects or len(subjects) < len(resolved):
        return  # "Your empathy and understanding": one unresolved end spoils the group
    base = _predicate_base(verb)
    for words, token in _objects(verb):
        obj = resolve(token, ctx)
        predicate = predicate_key(" ".join([*base, *words]))
        if obj is None or not predicate or len(predicate) > _MAX_PREDICATE:
            continue
        for subject in subjects:
            if entity_key(subject.name) != entity_key(obj.name):
                yield subject, predicate, obj, _confidence(verb, subject, obj)


def _subjects(verb: Token) -> list[Token]:
    """Subjects of a verb, its own or (for ``conj``/``xcomp`` verbs) its head's."""
    own = [child for child in verb.children if child.dep_ in SUBJECT_DEPS]
    if own:
        return [conj for subject in own for conj in (subject, *subject.conjuncts)]
    if verb.dep_ in ("conj", "xcomp") and verb.head is not verb:
        return _subjects(verb.head)
    return []


def _predicate_base(verb: Token) -> list[str]:
    """Verb words before any preposition: negation, passive/xcomp head, verb, particle."""
    words = ["not"] if any(child.dep_ == "neg" for child in verb.children) else []
    if verb.dep_ == "xcomp" and verb.head is not verb:
        words += [verb_form(verb.head), "to", verb.lemma_.lower()]
    else:
        auxpass = [child for child in verb.children if child.dep_ == "auxpass"]
        words += [verb_form(auxpass[0]), verb.lower_] if auxpass else [verb_form(verb)]
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
    token: Token, ctx: Context, text: str, valid_from: datetime | None
) -> list[Triple]:
    """ "my wife Sarah" said by Alice → ``Alice -has_wife-> Sarah``."""
    if ctx.speaker is None or not first_person_possessed(token):
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


def _confidence(verb: Token, subject: Mention, obj: Mention) -> float:
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

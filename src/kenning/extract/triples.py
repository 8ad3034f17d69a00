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
from kenning.extract.canon import (
    BASE_FORM_PREDICATES,
    EMOTIONS,
    GOAL_NOUNS,
    LIGHT_VERBS,
    PHRASE_PREDICATES,
    POSSESSED,
    canonical_verb,
    is_generic,
    verb_phrase,
)
from kenning.extract.grammar import FIRST_POSSESSIVE, SUBJECT_DEPS, verb_form
from kenning.extract.mentions import (
    ENTITY_TYPES,
    TIME_LABELS,
    Context,
    Mention,
    first_person_possessed,
    phrase_mention,
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
        triples.extend(_possessed_triples(verb, ctx, text, valid_from))
    return _dedup(triples)


def _verb_triples(verb: Token, ctx: Context) -> Iterator[tuple[Mention, str, Mention, float]]:
    """(subject, predicate, object, confidence) for each reading of one verb.

    The predicate is canonical where :mod:`kenning.extract.canon` knows the
    verb ("went to" → ``visited``), else the verb as said. Light verbs with a
    generic object ("do my best") give nothing; the speaker's adjectives of
    feeling give ``feels``; a verb a wish or plan takes as its object ("want
    to start a studio") is read there, not on its own.
    """
    if verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("aux", "auxpass"):
        return
    if _taken_as_object(verb):
        return
    goal = _goal_reading(verb, ctx)
    if goal is not None:
        yield goal
        return
    resolved = [resolve(token, ctx) for token in _subjects(verb)]
    subjects = [m for m in resolved if m is not None]
    if len(subjects) < len(resolved):
        return  # "Your empathy and understanding": one unresolved end spoils the group
    if not subjects:
        implied = _implied_speaker(verb, ctx)
        if implied is None:
            return
        subjects = [implied]
    base = _predicate_base(verb)
    lemma = verb.lemma_.lower()
    negated = base[:1] == ["not"]
    for words, token in _objects(verb):
        canonical = _canonical(verb, words, token, negated)
        if lemma in LIGHT_VERBS and is_generic(token) and token.pos_ != "VERB":
            continue  # "had a blast", "doing my best": no lasting fact
        feeling = token.pos_ == "ADJ" and token.lower_ in EMOTIONS
        obj = _phrase_object(token, canonical) if token.pos_ in ("VERB", "AUX") else None
        obj = obj or (Mention(token.lower_, "Value", False) if feeling else resolve(token, ctx))
        predicate = canonical or predicate_key(" ".join([*base, *words]))
        if obj is None or not predicate or len(predicate) > _MAX_PREDICATE:
            continue
        for subject in subjects:
            if feeling and subject.name == ctx.speaker:
                yield subject, "feels", obj, PARSE_CONFIDENCE
            elif entity_key(subject.name) != entity_key(obj.name):
                yield subject, predicate, _own(obj, subject, ctx), _confidence(verb, subject, obj)


def _canonical(verb: Token, words: list[str], obj: Token, negated: bool) -> str | None:
    """The canonical predicate of this reading, or None for the surface form."""
    canonical = canonical_verb(verb, words)
    if verb.lemma_ == "have" and not words:
        canonical = POSSESSED.get(obj.lemma_.lower())  # "I have a dog" → has_pet
    if canonical == "plans_to" and verb.lemma_ == "think" and obj.pos_ != "VERB":
        return None  # "think about my family" is no plan
    if canonical == "likes" and any(c.lower_ in ("would", "'d") for c in verb.children):
        canonical = "wants"  # "I'd love to ..." is a wish
    if negated:
        return "dislikes" if canonical == "likes" else None
    return canonical


def _phrase_object(token: Token, canonical: str | None) -> Mention | None:
    """A verb phrase as the object of a wish, plan or activity ("love hiking")."""
    if canonical not in PHRASE_PREDICATES:
        return None
    phrase = verb_phrase(token, base=canonical in BASE_FORM_PREDICATES)
    return Mention(phrase, "Concept", named=False) if phrase else None


def _taken_as_object(verb: Token) -> bool:
    """True for a verb another verb reads as its object ("love *hiking*",
    "my goal is to *improve*")."""
    head = verb
    while head.dep_ == "conj" and head.head is not head:
        head = head.head
    if head.dep_ not in ("xcomp", "dobj", "pcomp") or head.head is head:
        return False
    if _states_its_own_fact(head):
        return False
    governor = head.head.head if head.dep_ == "pcomp" else head.head
    words = [head.head.lower_] if head.dep_ == "pcomp" else []
    return canonical_verb(governor, words) in PHRASE_PREDICATES or _goal_subject(governor)


def _states_its_own_fact(verb: Token) -> bool:
    """True for an ``xcomp`` verb with a prepositional object under "start" or
    "begin" ("started *working at* Globex", "began living in Denver"): the
    fact is the inner verb's (works_at, lives_in), not an activity started."""
    return (
        verb.dep_ == "xcomp"
        and verb.head is not verb
        and canonical_verb(verb.head, []) == "started"
        and any(c.dep_ == "prep" for c in verb.children)
    )


def _goal_subject(verb: Token) -> bool:
    """True for "my goal is ...": a first-person goal noun subject of "be"."""
    return verb.lemma_ == "be" and any(
        c.dep_ in SUBJECT_DEPS
        and c.lemma_.lower() in GOAL_NOUNS
        and any(p.dep_ == "poss" and p.lower_ in FIRST_POSSESSIVE for p in c.children)
        for c in verb.children
    )


def _goal_reading(verb: Token, ctx: Context) -> tuple[Mention, str, Mention, float] | None:
    """ "My goal is to improve my shot" said by John → ``John -wants-> improve shot``."""
    if ctx.speaker is None or not _goal_subject(verb):
        return None
    noun = next(c for c in verb.children if c.dep_ in SUBJECT_DEPS)
    for child in verb.children:
        if child.dep_ == "xcomp" and child.pos_ in ("VERB", "AUX"):
            phrase = verb_phrase(child, base=True)
            if phrase:
                speaker = Mention(ctx.speaker, "Person", named=True)
                obj = Mention(phrase, "Concept", named=False)
                return speaker, GOAL_NOUNS[noun.lemma_.lower()], obj, PARSE_CONFIDENCE
    return None


def _implied_speaker(verb: Token, ctx: Context) -> Mention | None:
    """The speaker of a chat sentence that leaves "I" out ("Been busy
    volunteering", "Just started yoga"): a past or -ing verb that opens the
    sentence (after adverbs and interjections) and has no subject."""
    top = verb
    while top.dep_ in ("conj", "xcomp", "attr") and top.head is not top:
        top = top.head
    if ctx.speaker is None or top.tag_ not in ("VBD", "VBN", "VBG"):
        return None
    if top.dep_ not in ("ROOT", "advcl") or any(c.dep_ in SUBJECT_DEPS for c in top.children):
        return None
    before = top.doc[top.sent.start : top.i]
    if any(t.pos_ not in ("ADV", "INTJ", "PUNCT", "CCONJ") for t in before):
        return None
    return Mention(ctx.speaker, "Person", named=True)


def _own(obj: Mention, subject: Mention, ctx: Context) -> Mention:
    """ "Maria donated my old car": the object is "old car", not "Maria's old car"."""
    prefix = f"{ctx.speaker}'s "
    if ctx.speaker and subject.name == ctx.speaker and obj.name.startswith(prefix):
        return Mention(obj.name[len(prefix) :], obj.type, obj.named)
    return obj


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
    if verb.dep_ == "xcomp" and verb.head is not verb and not _states_its_own_fact(verb):
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
    ("cats and dogs", "happy and thankful") each count. Verbs whose object
    may be a verb phrase ("love hiking", "want to start") also yield their
    ``xcomp`` verbs.
    """
    phrase = canonical_verb(verb, []) in PHRASE_PREDICATES
    for child in verb.children:
        if child.dep_ == "xcomp" and _states_its_own_fact(child):
            continue  # "started working at Globex": works_at Globex, read on its own
        if child.dep_ in _OBJECT_DEPS or (phrase and child.dep_ == "xcomp"):
            yield from (([], obj) for obj in (child, *child.conjuncts))
        elif child.dep_ in _PREP_DEPS:
            yield from _prep_objects([child.lower_], child)
        elif child.dep_ == "acomp":
            preps = [c for c in child.children if c.dep_ == "prep"]
            if child.lower_ in EMOTIONS:
                yield from (([], adj) for adj in (child, *child.conjuncts))
                continue  # "happy about X": the feeling is the fact
            for prep in preps:
                yield from _prep_objects([child.lemma_.lower(), prep.lower_], prep)
            if not preps and not any(c.dep_ == "xcomp" for c in child.children):
                yield [], child  # not "is able (to ...)": the adjective says nothing


def _prep_objects(words: list[str], prep: Token) -> Iterator[tuple[list[str], Token]]:
    """The ``pobj`` (or ``pcomp`` verb) of a preposition and its conjuncts."""
    for pobj in prep.children:
        if pobj.dep_ in ("pobj", "pcomp"):
            yield from ((words, obj) for obj in (pobj, *pobj.conjuncts))


def _possessed_triples(
    token: Token, ctx: Context, text: str, valid_from: datetime | None
) -> list[Triple]:
    """What "my X" says about the speaker: "my kids" said by Alice →
    ``Alice -has_child-> kids``; "my wife Sarah" → ``Alice -married_to-> Sarah``
    (see :data:`kenning.extract.canon.POSSESSED`; other nouns with a named
    apposition give ``has_<noun>``)."""
    if ctx.speaker is None or not first_person_possessed(token):
        return []
    lemma = token.lemma_.lower()
    named = [
        ctx.ents[c.i]
        for c in token.children
        if c.dep_ == "appos" and c.i in ctx.ents and ctx.ents[c.i].label_ in ENTITY_TYPES
    ]
    ends = [(ent.text.strip(), ENTITY_TYPES[ent.label_], NAMED_CONFIDENCE) for ent in named]
    own = any(c.lower_ == "own" for c in token.children)  # "start my own business": a plan
    if not ends and lemma in POSSESSED and not own:
        mention = phrase_mention(token, ctx, owned=False)
        if mention is not None:
            ends = [(mention.name, mention.type, PARSE_CONFIDENCE)]
    predicate = POSSESSED.get(lemma) or predicate_key(f"has {lemma}")
    return [
        Triple(
            subject=ctx.speaker,
            subject_type="Person",
            predicate=predicate,
            object=name,
            object_type=kind,
            text=text,
            confidence=confidence,
            valid_from=valid_from,
        )
        for name, kind, confidence in ends
    ]


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

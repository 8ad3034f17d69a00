"""Triple ends and entities: what a subject/object token or noun phrase stands
for (a named entity, a concept, a value, or the speaker for "I"/"my").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from spacy.tokens import Span, Token

from kenning.extract.grammar import FIRST_PERSON, FIRST_POSSESSIVE


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string."""
    return frozenset(text.split())


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
#: Quantifiers left out of names ("a few dance competitions" → dance competitions).
_QUANTIFIERS = _words("few many several various numerous")
_WH_TAGS = frozenset({"WDT", "WP", "WP$"})
#: Nouns that only measure another ("a lot of things"): the measured noun is the end.
_QUANTITY_NOUNS = _words("lot lots bit bunch couple ton tons plenty kind sort number")
_MAX_NAME = 256


@dataclass(frozen=True, slots=True)
class Mention:
    """A resolved triple end: display name, entity type, and whether NER or
    the speaker vouches for it."""

    name: str
    type: str
    named: bool


@dataclass(frozen=True, slots=True)
class Context:
    """Per-episode lookups: who "I" is and which span each token belongs to."""

    speaker: str | None
    reference: datetime
    chunks: dict[int, Span]
    ents: dict[int, Span]


def resolve(token: Token, ctx: Context) -> Mention | None:
    """The mention a subject/object token stands for, or None when unresolvable.

    First-person pronouns become the speaker; other pronouns are dropped (no
    coreference); "a lot of X" is X; a token in a named entity is that entity;
    dates are dropped;
    an apposition naming an entity wins ("my wife Sarah" → Sarah); otherwise
    the noun phrase.
    """
    lower = token.lower_
    if lower in FIRST_PERSON:
        return Mention(ctx.speaker, "Person", named=True) if ctx.speaker else None
    if token.pos_ in ("PRON", "DET"):
        return None
    if token.lemma_.lower() in _QUANTITY_NOUNS:
        of = [g for c in token.children if c.lower_ == "of" for g in c.children]
        return resolve(of[0], ctx) if of else None  # "a lot of things" → things
    ent = ctx.ents.get(token.i)
    if ent is not None and ent.label_ in _TYPED_LABELS:
        return _entity_mention(ent)
    for child in token.children:
        appos = ctx.ents.get(child.i)
        if child.dep_ == "appos" and appos is not None and appos.label_ in ENTITY_TYPES:
            return _entity_mention(appos)
    if token.pos_ == "ADJ":
        return Mention(lower, "Value", named=False)
    if token.pos_ in ("NOUN", "PROPN", "NUM"):
        return phrase_mention(token, ctx)
    return None


def _entity_mention(ent: Span) -> Mention | None:
    """A kept named entity, or a literal Value; dates and times are not mentions."""
    name = ent.text.strip()
    if ent.label_ in TIME_LABELS or not valid_name(name):
        return None
    if ent.label_ in ENTITY_TYPES:
        return Mention(name, ENTITY_TYPES[ent.label_], named=True)
    return Mention(name, "Value", named=False)


def phrase_mention(head: Token, ctx: Context, owned: bool = True) -> Mention | None:
    """The noun phrase headed by ``head`` as a Concept (or Person for "my sister").

    Leading determiners are dropped; a first-person possessive becomes the
    speaker's ("my sister" → "Alice's sister"; just "sister" when ``owned``
    is False, for a triple that names the speaker already); a phrase possessed by another
    pronoun ("her sister") cannot be resolved; phrases of only stopwords and
    chat fillers ("Thanks", "Hey") are dropped.
    """
    chunk = ctx.chunks.get(head.i)
    tokens = list(chunk) if chunk is not None and chunk.root == head else [head]
    tokens = [
        t
        for t in tokens
        if t.pos_ not in _NOT_NAME_POS and t.tag_ not in _WH_TAGS and t.lower_ not in _QUANTIFIERS
    ]
    owner = [t for t in tokens if t.dep_ == "poss" and t.pos_ == "PRON"]
    if owner and (owner[0].lower_ not in FIRST_POSSESSIVE or ctx.speaker is None):
        return None
    words = [t for t in tokens if t not in owner]
    if not words or all(t.is_stop or t.lower_ in _CHAT_FILLERS for t in words):
        return None
    name = "".join(t.text_with_ws for t in words).strip()
    if owner and owned:
        name = f"{ctx.speaker}'s {name}"
    kind = "Person" if head.lemma_.lower() in _PERSON_NOUNS else "Concept"
    if head.pos_ == "PROPN" and kind == "Concept":
        kind = "Entity"  # a name NER did not type
    return Mention(name, kind, named=False) if valid_name(name) else None


def first_person_possessed(token: Token) -> bool:
    """True for a noun such as "my wife"."""
    return any(c.dep_ == "poss" and c.lower_ in FIRST_POSSESSIVE for c in token.children)


def valid_name(name: str) -> bool:
    return 0 < len(name.strip()) <= _MAX_NAME

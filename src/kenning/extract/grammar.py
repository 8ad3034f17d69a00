"""English grammar shared by the spaCy extraction modules: first-person words,
subject dependency labels and the verb forms used in predicates and speaker text.
"""

from __future__ import annotations

from spacy.tokens import Token

FIRST_PERSON = frozenset({"i", "me", "myself", "we", "us", "ourselves"})
FIRST_POSSESSIVE = frozenset({"my", "mine", "our", "ours"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
_IRREGULAR_3SG = {"be": "is", "have": "has", "do": "does", "go": "goes"}


def verb_form(verb: Token) -> str:
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

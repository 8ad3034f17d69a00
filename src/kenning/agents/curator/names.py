"""String rules of the curator (pure): name normalisation for duplicates,
short forms, and predicate classes for staleness and light verbs."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from kenning.agents.curator.options import CuratorOptions

PredicateClass = Literal["event", "functional", "preference", "state"]

#: A possessive ending: "Caroline's" → "Caroline", "kids'" → "kids".
_POSSESSIVE = re.compile("(?:['\u2019]s|(?<=s)['\u2019])(?=\\s|$)")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ARTICLES = ("the", "a", "an")
#: Irregular English past forms the extractor writes as said (VBD/VBN,
#: extract/grammar.py); regular ones end in "ed".
_IRREGULAR_PAST = frozenset(
    [
        "went",
        "gone",
        "had",
        "got",
        "made",
        "took",
        "taken",
        "saw",
        "seen",
        "ran",
        "came",
        "become",
        "became",
        "began",
        "begun",
        "bought",
        "brought",
        "built",
        "caught",
        "chose",
        "chosen",
        "did",
        "done",
        "drew",
        "drawn",
        "drove",
        "driven",
        "ate",
        "eaten",
        "fell",
        "felt",
        "fought",
        "found",
        "flew",
        "flown",
        "forgot",
        "forgotten",
        "gave",
        "given",
        "grew",
        "grown",
        "heard",
        "held",
        "hid",
        "hurt",
        "kept",
        "knew",
        "known",
        "laid",
        "led",
        "left",
        "lent",
        "let",
        "lost",
        "meant",
        "met",
        "paid",
        "put",
        "quit",
        "read",
        "rode",
        "rang",
        "rose",
        "said",
        "sold",
        "sent",
        "set",
        "shook",
        "shot",
        "showed",
        "shown",
        "sang",
        "sung",
        "sat",
        "slept",
        "spoke",
        "spoken",
        "spent",
        "stood",
        "stole",
        "swam",
        "taught",
        "told",
        "thought",
        "threw",
        "thrown",
        "understood",
        "woke",
        "wore",
        "won",
        "wrote",
        "written",
        "was",
        "were",
        "been",
    ]
)
#: Present forms ending in "ed" that are not past ("needs" is not, "need" is rare).
_NOT_PAST = frozenset({"need", "feed", "bleed", "breed", "speed", "proceed", "succeed"})


def _words(name: str) -> list[str]:
    """Lower-case words of a name without accents, possessive endings,
    punctuation or a leading article."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = _NON_ALNUM.sub(" ", _POSSESSIVE.sub("", text)).split()
    return words[1:] if len(words) > 1 and words[0] in _ARTICLES else words


def name_key(name: str) -> str:
    """A name with everything that does not tell two things apart removed:
    accents, case, possessive endings, punctuation, a leading article and
    spaces. ``"The Kids'"``, ``"kids"`` → ``"kids"``; ``"Caroline's"`` →
    ``"caroline"``; ``"ice-cream"`` → ``"icecream"``. Stricter than the
    store's entity key (which keeps ``'`` and ``-`` and spaces)."""
    return "".join(_words(name))


def first_word(name: str) -> str:
    """The first word of a name, normalised as :func:`name_key` does."""
    words = _words(name)
    return words[0] if words else ""


def is_short_form(short: str, long: str, min_chars: int) -> bool:
    """Whether ``short`` (one word) shortens ``long``'s first word or is it:
    "Mel" of "Melanie", "Caroline" of "Caroline Smith"; never a name shorter
    than ``min_chars`` or the same name."""
    words = short.split()
    head = first_word(long)
    key = name_key(short)
    if len(words) != 1 or len(key) < min_chars or key == name_key(long):
        return False
    return head.startswith(key) and len(head) >= len(key)


def types_compatible(a: str, b: str, generic: frozenset[str]) -> bool:
    """Two entity types that may name one thing: equal, or one is generic."""
    return a == b or a in generic or b in generic


def _verb(predicate: str) -> str:
    words = predicate.split("_")
    if words and words[0] == "not" and len(words) > 1:
        words = words[1:]
    return words[0] if words else ""


def is_past_form(word: str) -> bool:
    """An English past form as the extractor writes it."""
    return word in _IRREGULAR_PAST or (word.endswith("ed") and word not in _NOT_PAST)


def predicate_class(predicate: str, options: CuratorOptions) -> PredicateClass:
    """How a predicate ages: ``event`` (something happened: past verb forms,
    onset/end forms; never stale), ``functional`` (a single-valued state),
    ``preference`` (likes, loves, ...) or ``state`` (anything else)."""
    if predicate in options.functional_predicates:
        return "functional"
    verb = _verb(predicate)
    if predicate in options.event_predicates or is_past_form(verb):
        return "event"
    if verb in options.preference_verbs:
        return "preference"
    return "state"


def is_light(predicate: str, options: CuratorOptions) -> bool:
    """A predicate made of a light verb alone or with particles/prepositions
    (``does``, ``had``, ``gets_up``): it says little unless its object does."""
    words = predicate.split("_")
    if words and words[0] == "not":
        words = words[1:]
    return (
        bool(words) and words[0] in options.light_verbs and all(w in _PARTICLES for w in words[1:])
    )


_PARTICLES = frozenset(
    [
        "up",
        "out",
        "in",
        "on",
        "off",
        "with",
        "for",
        "to",
        "of",
        "at",
        "about",
        "into",
        "over",
        "by",
        "from",
        "down",
        "back",
    ]
)

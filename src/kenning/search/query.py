"""What a query says before any index is asked: words, names, whether it asks about time."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS

from kenning.domain.ids import entity_key

_APOSTROPHES = "'\u2019"  # typewriter and typographic
_WORD = re.compile(rf"[^\W_]+(?:[{_APOSTROPHES}][^\W_]+)*")
_POSSESSIVE = re.compile(rf"[{_APOSTROPHES}]s$")
#: Longest word n-gram looked up as an entity name ("New York City" is 3).
MAX_NAME_WORDS = 3
#: English cues of a question about time: "when", "how long ago", "before X".
_TIME_WORDS = frozenset(
    {
        *("when", "date", "dates", "year", "years", "month", "months", "week", "weeks"),
        *("day", "days", "ago", "before", "after", "since", "until", "during"),
        *("earlier", "later", "recently", "lately", "weekend"),
    }
)
_TIME_PHRASES = ("how long", "what time", "which year", "which month", "which day")
#: Time expressions in stored text: the turns a "when" question is answered by.
TIME_EXPRESSION = re.compile(
    r"\b(?:yesterday|today|tonight|tomorrow|ago|last|next|this|weekend|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"january|february|march|april|may|june|july|august|september|october|"
    r"november|december|(?:19|20)\d\d|since|until)\b",
    re.IGNORECASE,
)


def query_terms(query: str) -> list[str]:
    """Lower-cased words of ``query`` without English stop words, in order."""
    words = "".join(c if c.isalnum() else " " for c in query.lower()).split()
    seen: dict[str, None] = {}
    for word in words:
        if word not in STOP_WORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


def name_keys(query: str) -> list[str]:
    """Entity keys the query may name: its word n-grams (1 to
    :data:`MAX_NAME_WORDS`) normalised like entity keys, possessives dropped
    ("Caroline's" → ``caroline``), n-grams of only stop words left out."""
    words = [_POSSESSIVE.sub("", w) for w in _WORD.findall(query)]
    keys: dict[str, None] = {}
    for n in range(1, MAX_NAME_WORDS + 1):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if all(w.lower() in STOP_WORDS for w in gram):
                continue
            key = entity_key(" ".join(gram))
            if key:
                keys.setdefault(key, None)
    return list(keys)


def asks_about_time(query: str) -> bool:
    """Whether ``query`` asks when something happened (English cues)."""
    lowered = query.lower()
    if any(phrase in lowered for phrase in _TIME_PHRASES):
        return True
    return any(w in _TIME_WORDS for w in re.findall(r"[a-z]+", lowered))


@dataclass(frozen=True, slots=True)
class QueryAnalysis:
    """A query's full-text terms, candidate entity names and time intent."""

    terms: list[str]
    names: list[str]
    temporal: bool


def analyse(query: str) -> QueryAnalysis:
    """Everything the channels need from the query text."""
    return QueryAnalysis(query_terms(query), name_keys(query), asks_about_time(query))

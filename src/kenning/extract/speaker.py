"""The speaker standing in for first-person words: who "I" is in an episode,
and a sentence rewritten in the speaker's name for a triple's text.
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from kenning.domain.models import Episode
from kenning.extract.grammar import FIRST_PERSON, FIRST_POSSESSIVE, SUBJECT_DEPS, verb_form
from kenning.extract.mentions import valid_name

_SPEAKER_ROLES = frozenset({"user", "assistant"})


def episode_speaker(episode: Episode) -> str | None:
    """Who "I" is: the named speaker, else the chat role ("user", "assistant")."""
    if episode.speaker and valid_name(episode.speaker):
        return episode.speaker.strip()
    return episode.role if episode.role in _SPEAKER_ROLES else None


def speaker_text(sent: Span, speaker: str | None) -> str:
    """The sentence with first-person words replaced by the speaker's name.

    "I'm swamped" said by Alice → "Alice's swamped"; verbs after "I"/"we"
    agree with the name ("I work" → "Alice works").
    """
    if speaker is None:
        return sent.text.strip()
    return "".join(_speaker_word(t, speaker) + t.whitespace_ for t in sent).strip()


def _speaker_word(token: Token, speaker: str) -> str:
    """One token of :func:`speaker_text`."""
    lower = token.lower_
    if lower in FIRST_PERSON:
        return speaker
    if lower in FIRST_POSSESSIVE:
        return f"{speaker}'s"
    if token.tag_ != "VBP" or not _has_first_person_subject(token):
        return token.text
    if lower.startswith("'"):
        return "'s"  # 'm, 're, 've → 's
    return verb_form(token)


def _has_first_person_subject(verb: Token) -> bool:
    """True when a verb (or the verb an auxiliary serves) has "I"/"we" as subject."""
    target = verb.head if verb.dep_ in ("aux", "auxpass") else verb
    return any(
        child.dep_ in SUBJECT_DEPS and child.lower_ in FIRST_PERSON for child in target.children
    )

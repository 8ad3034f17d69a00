"""Canonical predicates: the snake_case names extractors prefer, and the
synonyms that map onto them (used by the LLM prompt and the gold-set scoring).

The functional ones (``lives_in``, ``works_at``, ...) are the defaults of
``KENNING_FUNCTIONAL_PREDICATES``: a newer fact supersedes an older one.
"""

from __future__ import annotations

from kenning.domain.ids import predicate_key

#: Canonical predicate → when to use it (shown to the LLM in the prompt).
CANONICAL_PREDICATES: dict[str, str] = {
    "lives_in": "where the subject lives (functional)",
    "works_at": "employer or workplace (functional)",
    "job_title": "the subject's job or role (functional)",
    "relationship_status": "single, married, divorced, ... (functional)",
    "married_to": "spouse (functional)",
    "dating": "current partner (functional)",
    "age": "age in years (functional)",
    "is_from": "home town or country of origin",
    "moved_to": "a place the subject moved to",
    "visited": "a place, event or person the subject visited or went to",
    "attended": "an event, school, course or meeting the subject attended",
    "studies": "a subject or degree studied",
    "identifies_as": "an identity (gender, orientation, ...)",
    "has_child": "a child of the subject",
    "has_pet": "a pet of the subject",
    "has_friend": "a friend of the subject",
    "has_family_member": "a relative other than a child or spouse",
    "member_of": "a group, team or organisation the subject belongs to",
    "owns": "a thing the subject owns",
    "likes": "something the subject likes, loves or enjoys",
    "dislikes": "something the subject dislikes",
    "interested_in": "a field or activity the subject is interested in",
    "plays": "a sport, game or instrument the subject plays",
    "does_activity": "a hobby or activity the subject does (running, painting, ...)",
    "made": "something the subject made, painted, wrote or built",
    "read": "a book or text the subject read",
    "watched": "a film, show or event the subject watched",
    "plans_to": "an intention or plan (object: what is planned)",
    "wants": "a wish or goal",
    "started": "something the subject began (a job, a hobby, a project)",
    "participated_in": "an event, race, protest or project the subject took part in",
    "volunteers_at": "where the subject volunteers",
    "supports": "a cause or person the subject supports",
    "received": "a thing the subject was given",
    "gave": "a thing the subject gave to someone",
    "feels": "an emotion the subject feels (object: the feeling)",
    "believes": "a belief or value",
    "researching": "a topic the subject is researching or looking into",
}

#: Free-text predicates that mean a canonical one.
SYNONYMS: dict[str, str] = {
    "lives_at": "lives_in",
    "resides_in": "lives_in",
    "employed_at": "works_at",
    "works_for": "works_at",
    "comes_from": "is_from",
    "from": "is_from",
    "went_to": "visited",
    "goes_to": "visited",
    "loves": "likes",
    "enjoys": "likes",
    "hates": "dislikes",
    "painted": "made",
    "wrote": "made",
    "built": "made",
    "created": "made",
    "plans": "plans_to",
    "intends_to": "plans_to",
    "is_going_to": "plans_to",
    "wants_to": "wants",
    "took_part_in": "participated_in",
    "joined": "member_of",
    "is_member_of": "member_of",
    "studies_at": "attended",
    "has_kid": "has_child",
    "has_son": "has_child",
    "has_daughter": "has_child",
    "has_dog": "has_pet",
    "has_cat": "has_pet",
    "friend_of": "has_friend",
    "is_interested_in": "interested_in",
    "researches": "researching",
}


def canonical_predicate(text: str) -> str:
    """``text`` as snake_case, mapped onto its canonical predicate where one
    is known (``"Works for"`` → ``"works_at"``); other predicates pass through
    normalised. Empty when ``text`` has no letter or digit."""
    key = predicate_key(text)
    return SYNONYMS.get(key, key)

"""Tense and aspect of extracted predicates as valid time (pure).

Extractors name predicates after the verb as said: ``lives_in``, ``lived_in``,
``moved_to``, ``broke_up_with``. For the predicates that describe a lasting
state (where someone lives, works, who they are married to), this module maps
each form to the state's predicate and to what the form says about its valid
time, relative to when the episode was said:

- present (``lives_in``, ``works_for``): the state; dates as stated;
- past (``lived_in``, ``used_to_live_in``): the state, over by the time it was
  said, unless a start was stated ("I have lived here since 2019" is ongoing);
- onset (``moved_to``, ``married``): an event that starts the state; the
  event is kept and the state starts at the event's date (unknown if none);
- end (``broke_up_with``): an event that ends the state at its date, or by the
  time it was said.

Unknown stays unknown: nothing here invents a start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum

from kenning.domain.models import Triple


class Aspect(StrEnum):
    """What a predicate form says about the state's valid time."""

    PRESENT = "present"
    PAST = "past"
    ONSET = "onset"
    END = "end"


#: Predicate form as extracted → (state predicate, aspect).
STATE_FORMS: Mapping[str, tuple[str, Aspect]] = {
    "lives_in": ("lives_in", Aspect.PRESENT),
    "lived_in": ("lives_in", Aspect.PAST),
    "used_to_live_in": ("lives_in", Aspect.PAST),
    "moved_to": ("lives_in", Aspect.ONSET),
    "moves_to": ("lives_in", Aspect.ONSET),
    "relocated_to": ("lives_in", Aspect.ONSET),
    "works_at": ("works_at", Aspect.PRESENT),
    "works_for": ("works_at", Aspect.PRESENT),
    "worked_at": ("works_at", Aspect.PAST),
    "worked_for": ("works_at", Aspect.PAST),
    "used_to_work_at": ("works_at", Aspect.PAST),
    "started_to_work_at": ("works_at", Aspect.ONSET),
    "started_working_at": ("works_at", Aspect.ONSET),
    "quit_at": ("works_at", Aspect.END),
    "works_as": ("job_title", Aspect.PRESENT),
    "worked_as": ("job_title", Aspect.PAST),
    "is_married_to": ("married_to", Aspect.PRESENT),
    "was_married_to": ("married_to", Aspect.PAST),
    "married": ("married_to", Aspect.ONSET),
    "got_married_to": ("married_to", Aspect.ONSET),
    "divorced": ("married_to", Aspect.END),
    "dates": ("dating", Aspect.PRESENT),
    "is_dating": ("dating", Aspect.PRESENT),
    "dated": ("dating", Aspect.PAST),
    "started_to_date": ("dating", Aspect.ONSET),
    "started_dating": ("dating", Aspect.ONSET),
    "broke_up_with": ("dating", Aspect.END),
}


def ground_tense(triples: Iterable[Triple], said_at: datetime) -> list[Triple]:
    """Map state-predicate forms to their state with valid time from the aspect.

    Args:
        triples: Extracted triples, dates already grounded against ``said_at``.
        said_at: When the episode was said (aware UTC).

    Returns:
        The triples, with state forms renamed and bounded; onset and end
        events are kept and followed by the state triple they imply.
    """
    result: list[Triple] = []
    for triple in triples:
        form = STATE_FORMS.get(triple.predicate)
        if form is None:
            result.append(triple)
            continue
        state, aspect = form
        if aspect is Aspect.PRESENT:
            result.append(triple.model_copy(update={"predicate": state}))
        elif aspect is Aspect.PAST:
            over = triple.valid_from is None and triple.valid_to is None
            end = said_at if over else triple.valid_to
            result.append(triple.model_copy(update={"predicate": state, "valid_to": end}))
        elif aspect is Aspect.ONSET:
            result += [triple, triple.model_copy(update={"predicate": state})]
        else:
            end = triple.valid_from or triple.valid_to or said_at
            update = {"predicate": state, "valid_from": None, "valid_to": end}
            result += [triple, triple.model_copy(update=update)]
    return result

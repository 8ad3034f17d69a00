"""The curator's settings: ``ctx.options`` over :data:`CURATOR_DEFAULTS`.

Every default is documented where it is set, with where it comes from. The
service passes ``KENNING_CURATOR_*`` settings (and the space's functional
predicates, ``KENNING_FUNCTIONAL_PREDICATES``) as options; anything not
given keeps its default here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kenning.config import DEFAULT_FUNCTIONAL_PREDICATES
from kenning.domain.ids import entity_key, predicate_key
from kenning.errors import InputError
from kenning.temporal.tense import STATE_FORMS, Aspect

#: Predicate forms that report an event starting or ending a state
#: (``moved_to``, ``married``, ``broke_up_with``): from kenning.temporal.tense.
_EVENT_FORMS = tuple(
    sorted(p for p, (_, a) in STATE_FORMS.items() if a in (Aspect.ONSET, Aspect.END))
)

CURATOR_DEFAULTS: dict[str, Any] = {
    # Predicates with one valid object per subject at any instant: the same
    # list supersession uses (KENNING_FUNCTIONAL_PREDICATES, kenning.config).
    "functional_predicates": list(DEFAULT_FUNCTIONAL_PREDICATES),
    # Pairs of predicates that cannot both hold between one subject and one
    # object at one instant. Every `p` / `not_p` pair present in the space is
    # added (the spaCy extractor spells negation "not_", extract/triples.py).
    "opposite_predicates": [
        ["likes", "dislikes"],
        ["loves", "hates"],
        ["likes", "hates"],
        ["enjoys", "hates"],
        ["enjoys", "dislikes"],
        ["wants", "does_not_want"],
        ["agrees_with", "disagrees_with"],
        ["trusts", "distrusts"],
    ],
    # Days without a supporting episode after which a fact of a class is
    # stale. Functional states (where one lives, works) change over years,
    # preferences over months; judgement, not calibrated. Events never go stale.
    "horizon_days": {"functional": 365, "preference": 180, "state": 365},
    # Half-life of confidence once stale, days (the same judgement).
    "half_life_days": {"functional": 365, "preference": 180, "state": 365},
    # Verbs whose facts are preferences: they change faster than other states.
    "preference_verbs": [
        "likes",
        "loves",
        "enjoys",
        "prefers",
        "dislikes",
        "hates",
        "wants",
        "adores",
        "fancies",
        "favours",
        "favors",
    ],
    # Predicates that report events besides past verb forms and the onset/end
    # forms of kenning.temporal.tense.
    "event_predicates": list(_EVENT_FORMS),
    # Light verbs (every form the extractor writes, extract/grammar.py): a
    # fact of one with an empty object says nothing ("Caroline | does | best").
    "light_verbs": [
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "get",
        "gets",
        "got",
        "gotten",
        "make",
        "makes",
        "made",
        "be",
        "is",
        "was",
        "were",
        "are",
        "am",
        "been",
        "take",
        "takes",
        "took",
        "taken",
    ],
    # Objects that carry no information (entity keys; articles are dropped
    # by entity_key already): pronouns, quantifiers and placeholders.
    "empty_objects": [
        "best",
        "things",
        "thing",
        "stuff",
        "it",
        "that",
        "this",
        "these",
        "those",
        "something",
        "anything",
        "everything",
        "nothing",
        "lot",
        "lots",
        "one",
        "ones",
        "some",
        "all",
        "much",
        "more",
        "what",
        "which",
        "them",
        "sure",
        "fine",
        "well",
        "ok",
        "okay",
        "way",
        "same",
        "bit",
        "kind",
        "sort",
    ],
    # Cosine similarity of name vectors (all-MiniLM-L6-v2) above which two
    # entities with a shared neighbour are one: "support group" / "support
    # groups" scored 0.95, "Melanie" / "Melbourne" 0.5 (measured here).
    "embedding_similarity": 0.9,
    # Shared neighbours a short form ("Mel") or a near-identical name needs.
    "min_shared_neighbours": 1,
    # Shortest short form taken as a name ("Mel" yes, "Jo" no).
    "short_form_min_chars": 3,
    # Types whose names have short forms ("Mel" for "Melanie"). Common nouns
    # do not: on LoCoMo conv-26 "community" / "community support" and "peace" /
    # "peaceful blue streaks" were pairs until this was limited to people.
    "short_form_types": ["Person"],
    # Entity types that match any other (untyped mentions and literals).
    "generic_types": ["Entity", "Concept", "Value"],
    # Items per change-log entry for bulk fixes (decay, expiry, orphans).
    "batch": 50,
    # Insights kept per kind and run, best score first (the stats count every
    # finding): a large space a year on has a stale finding per fact, and
    # 100k insights would bury the few a person reads. The connector's cap
    # (max_per_kind) is of the same order.
    "max_insights_per_kind": 200,
}


@dataclass(frozen=True, slots=True)
class CuratorOptions:
    """The curator's settings, validated (see :data:`CURATOR_DEFAULTS`)."""

    functional_predicates: frozenset[str]
    opposite_predicates: tuple[tuple[str, str], ...]
    horizon_days: Mapping[str, float]
    half_life_days: Mapping[str, float]
    preference_verbs: frozenset[str]
    event_predicates: frozenset[str]
    light_verbs: frozenset[str]
    empty_objects: tuple[str, ...]
    embedding_similarity: float
    min_shared_neighbours: int
    short_form_min_chars: int
    short_form_types: frozenset[str]
    generic_types: frozenset[str]
    batch: int
    max_insights_per_kind: int

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> CuratorOptions:
        """Defaults overridden by ``options`` (unknown keys are ignored: the
        run service passes one options map to every agent).

        Raises:
            InputError: a value of the wrong shape (names the option).
        """
        merged = {**CURATOR_DEFAULTS, **{k: v for k, v in options.items() if v is not None}}
        try:
            return cls(
                functional_predicates=frozenset(
                    predicate_key(p) for p in merged["functional_predicates"]
                ),
                opposite_predicates=tuple(
                    (predicate_key(p), predicate_key(q)) for p, q in merged["opposite_predicates"]
                ),
                horizon_days={str(k): float(v) for k, v in merged["horizon_days"].items()},
                half_life_days={str(k): float(v) for k, v in merged["half_life_days"].items()},
                preference_verbs=frozenset(merged["preference_verbs"]),
                event_predicates=frozenset(predicate_key(p) for p in merged["event_predicates"]),
                light_verbs=frozenset(merged["light_verbs"]),
                empty_objects=tuple(sorted({entity_key(o) for o in merged["empty_objects"]})),
                embedding_similarity=float(merged["embedding_similarity"]),
                min_shared_neighbours=max(1, int(merged["min_shared_neighbours"])),
                short_form_min_chars=max(2, int(merged["short_form_min_chars"])),
                short_form_types=frozenset(merged["short_form_types"]),
                generic_types=frozenset(merged["generic_types"]),
                batch=max(1, int(merged["batch"])),
                max_insights_per_kind=max(1, int(merged["max_insights_per_kind"])),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"curator options: {exc}", field="options") from exc

"""Canonical readings of spaCy clauses: which canonical predicate
(:data:`kenning.extract.predicates.CANONICAL_PREDICATES`, the LLM schema's
list) a verb means, what a "my X" possessive says about the speaker, which
feelings are stated, and which light-verb objects say nothing.

Every table is keyed by lemmas, so tense does not matter; state forms that
:mod:`kenning.temporal.tense` grounds (``moved_to``, ``worked_at``, ...) are
left out on purpose and keep their surface form.
"""

from __future__ import annotations

from spacy.tokens import Token


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Verb lemma (plus particle/preposition lemmas, snake_case) → canonical predicate.
VERB_PREDICATES: dict[str, str] = {
    "love": "likes",
    "enjoy": "likes",
    "like": "likes",
    "adore": "likes",
    "be_into": "likes",
    "hate": "dislikes",
    "dislike": "dislikes",
    "want": "wants",
    "wanna": "wants",
    "hope": "wants",
    "wish": "wants",
    "dream_of": "wants",
    "dream_about": "wants",
    # en_core_web_sm lemmatises "hoping" as "hop".
    "hop": "wants",
    "plan": "plans_to",
    "intend": "plans_to",
    "think_about": "plans_to",
    "be_keen_on": "interested_in",
    "be_interested_in": "interested_in",
    "be_passionate_about": "interested_in",
    "be_fascinated_by": "interested_in",
    "go_to": "visited",
    "be_to": "visited",
    "visit": "visited",
    "travel_to": "visited",
    "attend": "attended",
    "join": "member_of",
    "sign_with": "member_of",
    "play": "plays",
    "paint": "made",
    "draw": "made",
    "write": "made",
    "build": "made",
    "create": "made",
    "bake": "made",
    "knit": "made",
    "read": "read",
    "watch": "watched",
    "start": "started",
    "begin": "started",
    "launch": "started",
    "take_part_in": "participated_in",
    "participate_in": "participated_in",
    "compete_in": "participated_in",
    "volunteer_at": "volunteers_at",
    "volunteer_for": "volunteers_at",
    "support": "supports",
    "donate": "gave",
    "give": "gave",
    "receive": "received",
    "research": "researching",
    "look_into": "researching",
    "study": "studies",
    "own": "owns",
    "win": "won",
    "work_on": "working_on",
    "do": "does_activity",
}
#: Canonical predicates whose object may be a verb phrase ("love hiking").
PHRASE_PREDICATES = frozenset(
    {"likes", "dislikes", "wants", "plans_to", "started", "interested_in", "does_activity"}
)
#: Of those, the ones whose verb-phrase object is a plan in the base form
#: ("want to start a studio" → "start studio"); the others keep the gerund.
BASE_FORM_PREDICATES = frozenset({"wants", "plans_to"})
#: Nouns of "my goal is to ..." and the predicate they state.
GOAL_NOUNS = {"goal": "wants", "dream": "wants", "wish": "wants", "plan": "plans_to"}
#: Nouns of "X is my hobby": the speaker does X.
HOBBY_NOUNS = _words("hobby passion pastime go-to")

#: Possessed noun lemma → what "my X" says: speaker -predicate-> X.
POSSESSED: dict[str, str] = {
    **dict.fromkeys(
        _words("kid child son daughter baby boy girl grandkid grandchild"), "has_child"
    ),
    **dict.fromkeys(
        _words("dog cat pet puppy kitten pup bird fish horse rabbit bunny hamster turtle"),
        "has_pet",
    ),
    **dict.fromkeys(_words("friend bestie buddy pal"), "has_friend"),
    **dict.fromkeys(
        _words(
            "mother father mom dad mum parent sister brother sibling grandma grandpa "
            "grandmother grandfather aunt uncle cousin niece nephew"
        ),
        "has_family_member",
    ),
    **dict.fromkeys(_words("wife husband spouse"), "married_to"),
    **dict.fromkeys(_words("partner boyfriend girlfriend fiance fiancee"), "dating"),
    **dict.fromkeys(_words("team crew band club troupe squad"), "member_of"),
    **dict.fromkeys(_words("store shop business company studio bakery restaurant"), "owns"),
}
#: Adjectives that state how the subject feels ("I was so happy" → feels happy).
EMOTIONS = _words(
    "happy sad glad excited thrilled grateful thankful proud nervous anxious scared "
    "afraid stressed tired exhausted lonely angry mad upset hopeful optimistic worried "
    "overwhelmed relieved inspired motivated accepted loved blessed lucky calm confident "
    "frustrated disappointed heartbroken devastated bored empowered supported "
    "encouraged ecstatic content joyful delighted pumped stoked overjoyed hurt "
    "emotional nostalgic amazed touched moved fulfilled satisfied"
)
#: Verbs that say little by themselves (the light-verb filter's verbs).
LIGHT_VERBS = _words("be have do get make take go give keep put let come")
#: Objects of a light verb that say nothing ("do my best", "had a blast").
GENERIC_NOUNS = _words(
    "thing stuff best lot bit time way fun blast kind sort part deal chance shot look "
    "sense idea one more most much all some"
)
#: Nouns that measure another ("a lot of X", "a bit of X"), as in
#: :mod:`kenning.extract.mentions`: the measured noun says whether it is generic.
MEASURE_NOUNS = _words("lot lots bit bunch couple ton tons plenty kind sort number")
#: Dependency labels of the words a verb-phrase object keeps.
_PHRASE_DEPS = _words("dobj prt prep pobj compound amod dative attr acomp nummod pcomp oprd")


def canonical_verb(verb: Token, words: list[str]) -> str | None:
    """The canonical predicate of ``verb`` with the particle/preposition
    ``words`` after it, or None when no canonical one fits.

    "went to" → ``visited``, "'m keen on" → ``interested_in``: the key is the
    lemma, then any adjective complement's lemma, then ``words``.
    """
    lemma = verb.lemma_.lower()
    if lemma == "make" and verb.tag_ not in ("VBD", "VBN"):
        return None  # "it makes me happy" is no making
    if lemma == "go" and not words and any(c.dep_ == "xcomp" for c in verb.children):
        return "plans_to"  # "gonna start", "going to start"
    return VERB_PREDICATES.get("_".join([lemma, *words])) or (
        VERB_PREDICATES.get(lemma) if not words else None
    )


def verb_phrase(verb: Token, base: bool) -> str:
    """The verb and the words that complete it, without articles, possessives,
    adverbs or other clauses: "starting my own business" → "starting own
    business" (``base``: "start own business"). A leading "go"/"do" with
    more after it is dropped ("going camping" → "camping"); a lone light
    verb gives "" ("making it ..." says nothing)."""
    rest = sorted(_completions(verb), key=lambda t: t.i)
    lemma = verb.lemma_.lower()
    if lemma in LIGHT_VERBS and (not rest or lemma in ("go", "do")):
        verb_words: list[str] = []
    else:
        verb_words = [lemma if base else verb.lower_]
    if not rest and not verb_words:
        return ""
    return " ".join(verb_words + [t.text for t in rest])


def _completions(token: Token) -> list[Token]:
    found: list[Token] = []
    for child in token.children:
        if child.dep_ in _PHRASE_DEPS and child.pos_ not in ("PRON", "DET", "PUNCT"):
            if child.ent_type_ in ("DATE", "TIME"):
                continue
            found += [child, *_completions(child)]
    return found


def is_generic(token: Token) -> bool:
    """True for an object that says nothing on its own ("best", "things", "it").

    A measure of another noun is as generic as what it measures: "got lots
    of kids' books" says something ("kids' books"), "had a lot of fun" does not.
    """
    if token.pos_ in ("PRON", "DET"):
        return True
    measured = [
        g for c in token.children if c.lower_ == "of" for g in c.children if g.dep_ == "pobj"
    ]
    if measured and token.lemma_.lower() in MEASURE_NOUNS:
        return is_generic(measured[0])
    return token.lower_ in GENERIC_NOUNS or token.lemma_.lower() in GENERIC_NOUNS

"""Score an extractor against the hand-labelled gold set; prints JSON.

    python benchmarks/extraction.py [--extractor spacy|openai|anthropic]
        [--gold tests/data/extraction_gold.jsonl] [--data PATH] [--details]
        [--noise CONVERSATION]

Triples match when subject and object have the same entity key
(``kenning.domain.ids.entity_key``) and the predicates the same canonical
state form (``kenning.extract.predicates`` then ``kenning.temporal.tense``);
``triples_relaxed`` also accepts objects whose words overlap by half or more.
Entities match by entity key. Precision, recall and F1 are micro-averaged
over the turns. ``openai``/``anthropic`` need an API key (``KENNING_LLM_API_KEY``
or the SDK's own variable) or ``KENNING_LLM_BASE_URL``; the other
``KENNING_LLM_*`` settings apply, and each turn goes with its
``KENNING_LLM_CONTEXT_TURNS`` previous turns from the LoCoMo file (``--data``).
Not a test: LLM numbers vary with the model and the day.

``light_verb_noise`` extracts every turn of one LoCoMo conversation
(``--noise``, default ``conv-26``; ``--noise ""`` skips it, as an LLM run
may want to) and counts the triples that are light-verb noise: the
predicate's verb (its first word after ``not_``) is a form of a light verb
(:data:`LIGHT_VERBS`: be, have, do, get, make, take, go, give, keep, put,
let, come), and the object is empty, a pronoun or a generic word
(:data:`GENERIC_OBJECTS`: "things", "best", "it", "blast", ...), ignoring a
possessive such as "Caroline's". ``share`` is noise over all triples of the
conversation (deduplicated per turn, before tense grounding). The lists are
fixed here, apart from the extractor's own rules, so the measure does not
move when the extractor changes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from kenning.api.runtime import load_extractor
from kenning.config import load_settings
from kenning.domain.ids import entity_key
from kenning.domain.models import Episode, EpisodeStatus, Extraction
from kenning.errors import ConfigError
from kenning.extract.port import ContextualExtractor
from kenning.extract.predicates import canonical_predicate
from kenning.importers.locomo import read_locomo, session_time
from kenning.temporal.tense import STATE_FORMS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = ROOT / "tests" / "data" / "extraction_gold.jsonl"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "locomo" / "locomo_dev.json"

Key = tuple[str, str, str]

#: Inflected forms of light verbs → the verb (the noise measure's verbs).
LIGHT_VERBS: dict[str, str] = {
    form: verb
    for verb, forms in {
        "be": "be is am are was were been being",
        "have": "have has had having",
        "do": "do does did done doing",
        "get": "get gets got gotten getting",
        "make": "make makes made making",
        "take": "take takes took taken taking",
        "go": "go goes went gone going",
        "give": "give gives gave given giving",
        "keep": "keep keeps kept keeping",
        "put": "put puts putting",
        "let": "let lets letting",
        "come": "come comes came coming",
    }.items()
    for form in forms.split()
}
#: Objects that say nothing on their own: pronouns and generic words.
_GENERIC = (
    "it this that these those them they he she him her you we us one ones "
    "something anything everything nothing someone anyone everyone somebody "
    "thing things stuff best lot lots bit time times way ways fun blast kind sort "
    "much more some all part deal chance shot look sense idea"
)
GENERIC_OBJECTS = frozenset(_GENERIC.split())


def predicate_form(text: str) -> str:
    """The canonical state form a predicate is compared by."""
    canonical = canonical_predicate(text)
    return STATE_FORMS[canonical][0] if canonical in STATE_FORMS else canonical


def triple_key(subject: str, predicate: str, obj: str) -> Key:
    return entity_key(subject), predicate_form(predicate), entity_key(obj)


def episode(turn_id: str, speaker: str, text: str, at: datetime) -> Episode:
    return Episode(
        id="ep_" + turn_id.replace("/", "_").replace(":", "_").replace("-", ""),
        space="gold",
        role="user",
        speaker=speaker,
        content=text,
        content_hash="-",
        occurred_at=at,
        recorded_at=at,
        status=EpisodeStatus.PENDING,
    )


def history(data: dict[str, Any], turn_id: str, turns: int) -> list[Episode]:
    """The ``turns`` turns said before ``turn_id`` in its session."""
    if turns < 1 or not data:
        return []
    conv_id, dia_id = turn_id.split("/")
    conv = data[conv_id]["conversation"]
    session = int(dia_id[1:].split(":")[0])
    at = session_time(conv[f"session_{session}_date_time"])
    said = conv[f"session_{session}"]
    index = next(i for i, t in enumerate(said) if t["dia_id"] == dia_id)
    return [
        episode(f"{conv_id}/{t['dia_id']}", t["speaker"], t["text"], at)
        for t in said[max(0, index - turns) : index]
    ]


def _overlap(a: str, b: str) -> float:
    x, y = set(a.split()), set(b.split())
    return len(x & y) / len(x | y) if x | y else 0.0


def matches(gold: Sequence[Key], found: Sequence[Key], relaxed: bool) -> int:
    """One-to-one matches of found triples to gold ones."""
    left = list(found)
    hits = 0
    for s, p, o in gold:
        for i, (fs, fp, fo) in enumerate(left):
            same_object = fo == o or (relaxed and _overlap(fo, o) >= 0.5)
            if fs == s and fp == p and same_object:
                hits += 1
                del left[i]
                break
    return hits


def prf(hits: int, found: int, gold: int) -> dict[str, float]:
    p = hits / found if found else 0.0
    r = hits / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}


def entity_keys(extraction: Extraction) -> set[str]:
    names = [e.name for e in extraction.entities]
    names += [n for t in extraction.triples for n in (t.subject, t.object)]
    return {k for k in map(entity_key, names) if k}


def score(rows: Iterable[dict[str, Any]], extractions: Sequence[Extraction]) -> dict[str, Any]:
    totals = dict.fromkeys(("gold", "found", "strict", "relaxed", "eg", "ef", "eh", "noise"), 0)
    details = []
    for row, x in zip(rows, extractions, strict=True):
        gold = [triple_key(t["subject"], t["predicate"], t["object"]) for t in row["triples"]]
        found = list(dict.fromkeys(triple_key(t.subject, t.predicate, t.object) for t in x.triples))
        gold_entities = {entity_key(e["name"]) for e in row["entities"]}
        found_entities = entity_keys(x)
        strict = matches(gold, found, relaxed=False)
        totals["gold"] += len(gold)
        totals["found"] += len(found)
        totals["strict"] += strict
        totals["relaxed"] += matches(gold, found, relaxed=True)
        totals["eg"] += len(gold_entities)
        totals["ef"] += len(found_entities)
        totals["eh"] += len(gold_entities & found_entities)
        totals["noise"] += bool(found) and not gold
        details.append(
            {"turn": row["turn_id"], "gold": gold, "found": found, "hits": strict}
            | ({"fallback": x.fallback} if x.fallback else {})
        )
    return {
        "gold_triples": totals["gold"],
        "found_triples": totals["found"],
        "triples": prf(totals["strict"], totals["found"], totals["gold"]),
        "triples_relaxed": prf(totals["relaxed"], totals["found"], totals["gold"]),
        "entities": prf(totals["eh"], totals["ef"], totals["eg"]),
        "no_fact_turns_with_triples": totals["noise"],
        "details": details,
    }


def is_light_verb_noise(predicate: str, obj: str) -> bool:
    """A light-verb predicate with an empty, pronoun or generic object
    ("Caroline | does | best", "Melanie | had | things")."""
    words = predicate_form(predicate).split("_")
    verb = words[1] if words[0] == "not" and len(words) > 1 else words[0]
    if verb not in LIGHT_VERBS:
        return False
    key = entity_key(obj)
    if "'s " in obj:  # "Caroline's thing": the possessor does not make it specific
        key = entity_key(obj.split("'s ", 1)[1])
    return not key or key in GENERIC_OBJECTS


def light_verb_noise(extractor: Any, data: Path, conversation: str) -> dict[str, Any]:
    """Light-verb noise among the triples of every turn of ``conversation``."""
    [conv] = read_locomo(data, conversation)
    episodes = [
        Episode(
            id=f"ep_noise_{i}",
            space="noise",
            role=turn.role,
            speaker=turn.speaker,
            content=turn.content,
            content_hash="-",
            occurred_at=turn.occurred_at or datetime.now().astimezone(),
            recorded_at=turn.occurred_at or datetime.now().astimezone(),
            status=EpisodeStatus.PENDING,
        )
        for i, turn in enumerate(conv.episodes)
    ]
    triples: list[tuple[str, str, str]] = []
    for x in extractor.extract(episodes):
        triples += dict.fromkeys((t.subject, t.predicate, t.object) for t in x.triples)
    noise = [t for t in triples if is_light_verb_noise(t[1], t[2])]
    return {
        "conversation": conversation,
        "turns": len(episodes),
        "triples": len(triples),
        "noise": len(noise),
        "share": round(len(noise) / len(triples), 4) if triples else 0.0,
        "examples": [" | ".join(t) for t in noise[:8]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--extractor", choices=("spacy", "openai", "anthropic"), default="spacy")
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="LoCoMo (for context)")
    parser.add_argument("--details", action="store_true", help="per-turn triples too")
    parser.add_argument("--noise", default="conv-26", help="conversation of the noise share")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.gold.read_text().splitlines() if line.strip()]
    try:
        settings = load_settings(extractor=args.extractor)
        extractor = load_extractor(settings)
    except ConfigError as exc:
        sys.exit(f"extraction benchmark: {exc}. Nothing was scored.")
    contextual = isinstance(extractor, ContextualExtractor) and extractor.context_turns > 0
    data = {}
    if contextual and args.data.exists():
        data = {c["sample_id"]: c for c in json.loads(args.data.read_text())}
    episodes = [
        episode(r["turn_id"], r["speaker"], r["text"], datetime.fromisoformat(r["session_time"]))
        for r in rows
    ]
    extractor.extract(episodes[:1])  # load the model before timing
    started = time.perf_counter()
    if contextual:
        assert isinstance(extractor, ContextualExtractor)
        extractions = [
            extractor.extract_in_context(
                [ep], history(data, r["turn_id"], extractor.context_turns)
            )[0]
            for r, ep in zip(rows, episodes, strict=True)
        ]
    else:
        extractions = extractor.extract(episodes)
    seconds = time.perf_counter() - started
    result = score(rows, extractions)
    details = result.pop("details")
    out = {
        "benchmark": "extraction_gold",
        "extractor": extractions[0].extractor if extractions else args.extractor,
        "turns": len(rows),
        **result,
        "fallbacks": sum(1 for x in extractions if x.fallback),
        "input_tokens": sum(x.input_tokens for x in extractions),
        "output_tokens": sum(x.output_tokens for x in extractions),
        "seconds": round(seconds, 2),
        "cpu_count": os.cpu_count(),
    }
    if args.noise:
        out["light_verb_noise"] = light_verb_noise(extractor, args.data, args.noise)
    if args.details:
        out["details"] = details
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()

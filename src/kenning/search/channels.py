"""Retrieval channels that need more than one index: graph, neighbourhood, time.

Each returns a ranking of item keys (``fact:<id>`` / ``episode:<id>``), best
first, and the reason each item matched. Vector and full-text rankings come
straight from the store's indexes (see service.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kenning.domain.models import SearchHit
from kenning.search.query import TIME_EXPRESSION
from kenning.store.port import EntityFact, Mention, NamedEntity, Neighbourhood, ScoredId


@dataclass(slots=True)
class Ranking:
    """One channel's hits, best first, and why each came back (by item key)."""

    hits: list[ScoredId] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)


def fact_key(fact_id: str) -> str:
    """The fusion key of a fact."""
    return f"fact:{fact_id}"


def episode_key(episode_id: str) -> str:
    """The fusion key of an episode."""
    return f"episode:{episode_id}"


@dataclass(frozen=True, slots=True)
class Seed:
    """An entity the graph channel starts from, how much it counts, and why."""

    id: str
    weight: float
    reason: str


def specificity(mentions: int) -> float:
    """``1 / log2(2 + mentions)``: a name said in few episodes says more about
    which ones are meant than a speaker's name said in hundreds (1.0 at 0)."""
    return 1.0 / math.log2(2 + max(mentions, 0))


def seeds_from(
    named: Sequence[NamedEntity], implied: Sequence[ScoredId], min_similarity: float, most: int
) -> dict[str, Seed]:
    """Seeds before their specificity is known: entities named in the query
    (weight 1) and the ``most`` entities nearest the query vector with a
    cosine of at least ``min_similarity`` (weight = cosine)."""
    seeds = {n.id: Seed(n.id, 1.0, f"names {n.key!r}") for n in named}
    for hit in [h for h in implied if h.score >= min_similarity][:most]:
        if hit.id not in seeds:
            seeds[hit.id] = Seed(hit.id, hit.score, f"near entity {hit.id} ({hit.score:.2f})")
    return seeds


def weigh_seeds(
    seeds: Mapping[str, Seed], mentions: Sequence[Mention], unknown: int
) -> dict[str, Seed]:
    """Seeds with their weight × :func:`specificity`; a seed with no mention
    row counts as mentioned ``unknown`` times."""
    counts = {m.seed: m.mentions for m in mentions}
    return {
        i: Seed(i, s.weight * specificity(counts.get(i, unknown)), s.reason)
        for i, s in seeds.items()
    }


def _ranked(
    scores: Mapping[str, float], tiebreak: Mapping[str, float], depth: int
) -> list[ScoredId]:
    order = sorted(scores, key=lambda k: (-scores[k], -tiebreak.get(k, 0.0), k))
    return [ScoredId(k, scores[k]) for k in order[:depth]]


def graph_facts(
    seeds: Mapping[str, Seed],
    rows: Sequence[EntityFact],
    hop2_factor: float,
    tiebreak: Mapping[str, float],
    depth: int,
) -> Ranking:
    """Facts scored by ``Σ seed weight × (1 at hop 1, hop2_factor at hop 2)``."""
    scores: dict[str, float] = defaultdict(float)
    reasons: dict[str, str] = {}
    for row in rows:
        seed = seeds[row.seed]
        key = fact_key(row.id)
        scores[key] += seed.weight
        reasons.setdefault(key, f"hop 1: {seed.reason}")
        for second in dict.fromkeys(row.second):
            key2 = fact_key(second)
            scores[key2] += seed.weight * hop2_factor
            reasons.setdefault(key2, f"hop 2: {seed.reason}")
    hits = _ranked(scores, tiebreak, depth)
    return Ranking(hits, {h.id: reasons[h.id] for h in hits})


def graph_episodes(
    seeds: Mapping[str, Seed], rows: Sequence[Mention], tiebreak: Mapping[str, float], depth: int
) -> Ranking:
    """Episodes mentioning seeds, scored by the sum of their seeds' weights.

    Many episodes tie (every turn of a speaker mentions the speaker); ties go
    to the episodes the other channels ranked higher (``tiebreak``).
    """
    scores: dict[str, float] = defaultdict(float)
    reasons: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        key = episode_key(row.id)
        scores[key] += seeds[row.seed].weight
        reasons[key].append(seeds[row.seed].reason)
    hits = _ranked(scores, tiebreak, depth)
    return Ranking(hits, {h.id: "mentions: " + "; ".join(reasons[h.id]) for h in hits})


def neighbour_bonus(
    seed_scores: Mapping[str, float], rows: Sequence[Neighbourhood], weight: float
) -> Ranking:
    """Score the turns next to each seed episode from the seed's fused score.

    A conversation spreads one topic over neighbouring turns (a question, then
    its answer), so a turn next to a strong hit is likely relevant too. Each
    neighbour gets ``weight × seed score / distance`` (distance in turns), the
    largest over its seeds.

    Returns:
        Neighbours by bonus, best first, with the seed each came from.
    """
    bonus: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for row in rows:
        if row.seed not in row.ids or row.seed not in seed_scores:
            continue
        at = row.ids.index(row.seed)
        for pos, episode_id in enumerate(row.ids):
            distance = abs(pos - at)
            if distance == 0:
                continue
            key, value = episode_key(episode_id), weight * seed_scores[row.seed] / distance
            if value > bonus.get(key, 0.0):
                bonus[key] = value
                reasons[key] = f"{distance} turn(s) from {row.seed}"
    hits = _ranked(bonus, {}, len(bonus))
    return Ranking(hits, reasons)


def dated(hit: SearchHit, dated_episodes: set[str]) -> str | None:
    """Why a hit counts as dated for a question about time, or None.

    A fact is dated when it has a valid time; an episode when a dated fact
    came from it or its text holds a time expression ("yesterday", "May").
    """
    if hit.kind == "fact":
        if hit.valid_from or hit.valid_to:
            return "fact with a valid time"
        return None
    if hit.id in dated_episodes:
        return "source of a dated fact"
    match = TIME_EXPRESSION.search(hit.text)
    return f"says {match.group(0)!r}" if match else None


def time_ranking(hits: Sequence[SearchHit]) -> Ranking:
    """Dated hits in their fused order (the time channel of a temporal query)."""
    dated_episodes = {
        episode_id
        for hit in hits
        if hit.kind == "fact" and (hit.valid_from or hit.valid_to)
        for episode_id in hit.episode_ids
    }
    ranking = Ranking()
    for hit in hits:
        reason = dated(hit, dated_episodes)
        if reason:
            key = fact_key(hit.id) if hit.kind == "fact" else episode_key(hit.id)
            ranking.hits.append(ScoredId(key, 1.0))
            ranking.reasons[key] = reason
    return ranking

"""Which current facts are essential, in which order, within a token budget.

Pure functions over :class:`~kenning.store.essential_port.SupportedFact`: the
same facts always give the same choice. A fact's rank is its topic's tier
(functional predicates, single-valued states such as where someone lives or
works, first), then its support (episodes stating it), then recency (newer
first), then its id.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kenning.domain.models import Fact, SearchHit
from kenning.embed.tokens import TokenCounter
from kenning.search.context import fact_line
from kenning.store.essential_port import SupportedFact

#: Predicates of the canonical catalogue (kenning.extract.predicates) that
#: hold lasting knowledge about a person, by topic.
TOPICS: dict[str, tuple[str, ...]] = {
    "identity": ("identifies_as", "age", "is_from", "relationship_status"),
    "home": ("lives_in", "moved_to"),
    "work": ("works_at", "job_title", "studies", "volunteers_at", "member_of"),
    "relationships": (
        *("married_to", "dating", "has_child", "has_pet", "has_friend"),
        "has_family_member",
    ),
    "preferences": (
        *("likes", "dislikes", "interested_in", "plays", "does_activity"),
        *("believes", "supports"),
    ),
}
HEADER = "Essential facts:"
#: Most facts of one (subject, predicate): five "likes" say less than one
#: "likes" next to where someone lives and works.
PER_PREDICATE = 2


def essential_predicates(functional: Iterable[str]) -> list[str]:
    """The catalogue's topic predicates and the configured functional ones, sorted."""
    return sorted({p for ps in TOPICS.values() for p in ps} | set(functional))


@dataclass(slots=True)
class Choice:
    """The chosen facts (rank order), their rendered block and its token count."""

    facts: list[Fact] = field(default_factory=list)
    text: str = ""
    tokens: int = 0


def rank(facts: Sequence[SupportedFact], functional: frozenset[str]) -> list[SupportedFact]:
    """``facts`` best first: functional predicates, then support, recency, id."""

    def key(item: SupportedFact) -> tuple[int, float, float, str]:
        f = item.fact
        when = (f.valid_from or f.observed_at or f.recorded_at).timestamp()
        tier = 0 if f.predicate in functional else 1
        return (tier, -math.log2(1 + item.support), -when, f.id)

    return sorted(facts, key=key)


def choose(
    facts: Sequence[SupportedFact], functional: frozenset[str], budget: int, counter: TokenCounter
) -> Choice:
    """The best facts whose lines fit in ``budget`` tokens under :data:`HEADER`.

    A fact that does not fit is skipped and a later, shorter one may go in;
    at most :data:`PER_PREDICATE` facts per (subject, predicate). The block's
    count is checked on the final text, as ``/v1/context`` does.

    Returns:
        The choice; empty text and 0 tokens when nothing fits.
    """
    taken: Counter[tuple[str, str]] = Counter()
    lines: list[str] = []
    chosen: list[Fact] = []
    used = counter.count(HEADER)
    for item in rank(facts, functional):
        f = item.fact
        if taken[(f.subject, f.predicate)] >= PER_PREDICATE:
            continue
        line = fact_line_of(f)
        cost = counter.count(line)
        if used + cost > budget:
            continue
        taken[(f.subject, f.predicate)] += 1
        lines.append(line)
        chosen.append(f)
        used += cost
    if not chosen:
        return Choice()
    text = "\n".join([HEADER, *lines])
    tokens = counter.count(text)
    while tokens > budget and chosen:  # only if a tokenizer counts across lines
        chosen.pop()
        lines.pop()
        text = "\n".join([HEADER, *lines]) if lines else ""
        tokens = counter.count(text)
    return Choice(chosen, text, tokens)


def fact_line_of(fact: Fact) -> str:
    """``- Subject predicate words Object (from A until B)``: the triple, not
    the sentence it came from, so more facts fit a budget; dates as
    ``/v1/context`` writes them."""
    hit = SearchHit(
        kind="fact",
        id=fact.id,
        score=0.0,
        channels={},
        text=f"{fact.subject} {fact.predicate.replace('_', ' ')} {fact.object}",
        episode_ids=[],
        valid_from=fact.valid_from,
        valid_to=fact.valid_to,
    )
    return fact_line(hit)

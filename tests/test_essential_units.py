"""The choice of essential facts: order, caps and budget (no server)."""

from __future__ import annotations

from datetime import UTC, datetime

from kenning.domain.models import Fact
from kenning.embed.tokens import WordPieceCounter
from kenning.essential.select import HEADER, PER_PREDICATE, choose, essential_predicates, rank
from kenning.store.essential_port import SupportedFact

FUNCTIONAL = frozenset({"lives_in", "works_at"})


def _fact(i: int, subject: str, predicate: str, obj: str, day: int = 1) -> Fact:
    return Fact(
        id=f"fa_{i:03d}",
        space="s",
        subject=subject,
        predicate=predicate,
        object=obj,
        text=f"{subject} {predicate} {obj}",
        confidence=1.0,
        recorded_at=datetime(2024, 1, day, tzinfo=UTC),
    )


def test_functional_first_then_support_then_recency_then_id() -> None:
    facts = [
        SupportedFact(_fact(1, "Ann", "likes", "jazz", day=1), support=5),
        SupportedFact(_fact(2, "Ann", "likes", "tea", day=9), support=5),
        SupportedFact(_fact(3, "Ann", "likes", "chess", day=20), support=1),
        SupportedFact(_fact(4, "Ann", "lives_in", "Oslo", day=2), support=0),
    ]
    order = [s.fact.id for s in rank(facts, FUNCTIONAL)]
    assert order == ["fa_004", "fa_002", "fa_001", "fa_003"]
    assert order == [s.fact.id for s in rank(list(reversed(facts)), FUNCTIONAL)]


def test_at_most_two_per_subject_and_predicate_within_the_budget() -> None:
    counter = WordPieceCounter()
    facts = [SupportedFact(_fact(i, "Ann", "likes", f"thing {i}"), support=i) for i in range(6)]
    facts.append(SupportedFact(_fact(9, "Bo", "likes", "jazz"), support=0))
    choice = choose(facts, FUNCTIONAL, 1000, counter)
    assert sum(1 for f in choice.facts if f.subject == "Ann") == PER_PREDICATE
    assert [f.object for f in choice.facts] == ["thing 5", "thing 4", "jazz"]
    assert choice.text == f"{HEADER}\n- Ann likes thing 5\n- Ann likes thing 4\n- Bo likes jazz"
    assert choice.tokens == counter.count(choice.text)
    small = choose(facts, FUNCTIONAL, counter.count(HEADER) + 6, counter)
    assert small.tokens <= counter.count(HEADER) + 6
    assert len(small.facts) == 1
    assert choose(facts, FUNCTIONAL, 2, counter).text == ""


def test_the_predicates_asked_cover_the_topics_and_the_functional_ones() -> None:
    asked = essential_predicates(["lives_in", "favourite_colour"])
    assert {"lives_in", "works_at", "has_child", "likes", "is_from", "favourite_colour"} <= set(
        asked
    )
    assert "visited" not in asked

"""Pure retrieval pieces with hand-checked numbers: MMR, channel scoring,
query analysis and the token budget of the context block (real tokenizer)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kenning.domain.models import Fact, SearchHit
from kenning.embed.tokens import WordPieceCounter
from kenning.search import channels as ch
from kenning.search.context import render_context
from kenning.search.mmr import jaccard, mmr
from kenning.search.query import analyse, asks_about_time, name_keys
from kenning.store.port import EntityFact, Mention, Neighbourhood

AT = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def test_mmr_demotes_a_near_duplicate_by_hand() -> None:
    sims = {frozenset("ab"): 1.0, frozenset("ac"): 0.0, frozenset("bc"): 0.0}
    similarity = lambda x, y: sims[frozenset(x + y)]  # noqa: E731
    # λ = 0.7. Pick a (0.7 · 1.0). Then b: 0.7 · 0.9 - 0.3 · 1.0 = 0.33;
    # c: 0.7 · 0.5 - 0.3 · 0 = 0.35, so c comes before its better-scored duplicate b.
    assert mmr(["a", "b", "c"], [1.0, 0.9, 0.5], similarity, k=3, lambda_=0.7) == [0, 2, 1]
    # λ = 1 keeps the relevance order; relevance is scaled by its maximum (2.0).
    assert mmr(["a", "b", "c"], [2.0, 1.8, 1.0], similarity, k=3, lambda_=1.0) == [0, 1, 2]
    assert mmr(["a", "b", "c"], [1.0, 0.9, 0.5], similarity, k=1) == [0]


def test_mmr_refuses_mismatched_scores() -> None:
    with pytest.raises(ValueError, match="one relevance score per item"):
        mmr(["a"], [], lambda x, y: 0.0, k=1)


def test_jaccard_by_hand() -> None:
    assert jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
    assert jaccard(set(), set()) == 0.0


def test_specificity_and_seed_weights_by_hand() -> None:
    assert ch.specificity(0) == 1.0
    assert ch.specificity(2) == pytest.approx(0.5)  # 1 / log2(4)
    seeds = {"e1": ch.Seed("e1", 1.0, "names 'x'"), "e2": ch.Seed("e2", 0.8, "near")}
    weighed = ch.weigh_seeds(seeds, [Mention("e1", "ep1", 6)], unknown=14)
    assert weighed["e1"].weight == pytest.approx(1 / 3)  # 1 / log2(8)
    assert weighed["e2"].weight == pytest.approx(0.8 / 4)  # 0.8 / log2(16)


def test_graph_facts_sum_seed_weights_and_halve_hop_two() -> None:
    seeds = {"a": ch.Seed("a", 1.0, "names 'a'"), "b": ch.Seed("b", 0.5, "names 'b'")}
    rows = [EntityFact("a", "f1", ["f3"]), EntityFact("b", "f1", []), EntityFact("b", "f2", ["f3"])]
    ranking = ch.graph_facts(seeds, rows, hop2_factor=0.5, tiebreak={}, depth=10)
    # f1: 1.0 + 0.5; f3: 0.5·1.0 + 0.5·0.5 = 0.75; f2: 0.5.
    assert [(h.id, h.score) for h in ranking.hits] == [
        ("fact:f1", 1.5),
        ("fact:f3", 0.75),
        ("fact:f2", 0.5),
    ]
    assert ranking.reasons["fact:f3"] == "hop 2: names 'a'"


def test_graph_episodes_break_ties_by_the_other_channels() -> None:
    seeds = {"s": ch.Seed("s", 0.2, "names 'ann'"), "t": ch.Seed("t", 1.0, "names 'tea'")}
    rows = [Mention("s", "e1", 100), Mention("s", "e2", 100), Mention("t", "e2", 3)]
    rows.append(Mention("s", "e3", 100))
    ranking = ch.graph_episodes(seeds, rows, tiebreak={"episode:e3": 0.1}, depth=10)
    assert [h.id for h in ranking.hits] == ["episode:e2", "episode:e3", "episode:e1"]
    assert ranking.hits[0].score == pytest.approx(1.2)


def test_neighbour_bonus_by_hand() -> None:
    rows = [Neighbourhood("b", ["a", "b", "c"]), Neighbourhood("c", ["b", "c", "d"])]
    bonus = ch.neighbour_bonus({"b": 0.4, "c": 0.1}, rows, weight=0.5)
    # a and c are next to b: 0.5 · 0.4 = 0.2; d next to c: 0.05; b next to c: 0.05 < nothing else.
    scores = {h.id: h.score for h in bonus.hits}
    assert scores == pytest.approx(
        {"episode:a": 0.2, "episode:c": 0.2, "episode:b": 0.05, "episode:d": 0.05}
    )
    assert bonus.reasons["episode:d"] == "1 turn(s) from c"


def test_query_analysis() -> None:
    keys = name_keys("What is Caroline's job?")
    assert "caroline" in keys
    assert "job" in keys
    assert "what" not in keys
    assert "caroline's" not in keys
    assert "new york" in name_keys("Did she move to New York?")
    assert asks_about_time("When did Melanie paint a sunrise?")
    assert asks_about_time("How long has she lived there")
    assert not asks_about_time("What did Caroline research?")
    assert analyse("the LGBTQ support group").terms == ["lgbtq", "support", "group"]


def _fact_hit(text: str, valid_from: datetime | None) -> SearchHit:
    fact = Fact(
        id="fa_1",
        space="s",
        subject="Caroline",
        predicate="went_to",
        object="support group",
        text=text,
        confidence=0.7,
        valid_from=valid_from,
        recorded_at=AT,
    )
    return SearchHit(
        kind="fact",
        id=fact.id,
        score=1.0,
        channels={},
        text=text,
        episode_ids=["ep_1"],
        valid_from=valid_from,
        fact=fact,
    )


def test_time_ranking_keeps_dated_hits_in_order() -> None:
    dated = _fact_hit("Caroline went to the support group", AT)
    undated = _fact_hit("Caroline likes tea", None)
    ranking = ch.time_ranking([undated, dated])
    assert [h.id for h in ranking.hits] == ["fact:fa_1"]
    assert ranking.reasons["fact:fa_1"] == "fact with a valid time"


@pytest.fixture(scope="module")
def counter() -> WordPieceCounter:
    return WordPieceCounter()


def test_token_counts_by_hand(counter: WordPieceCounter) -> None:
    # WordPiece, lower-cased, punctuation split: "facts" ":" → 2.
    assert counter.count("Facts:") == 2
    # "-" "caroline" "went" "to" "the" "support" "group" "(" "from" "202" "##3" "-" "05"
    # "-" "07" ")": the vocabulary has no "2023", so it splits in two.
    assert counter.count("- Caroline went to the support group (from 2023-05-07)") == 16


def test_context_fits_the_budget_and_skips_what_does_not(counter: WordPieceCounter) -> None:
    first = _fact_hit("Caroline went to the support group", datetime(2023, 5, 7, tzinfo=UTC))
    long = _fact_hit(" ".join(["word"] * 40), None)
    short = _fact_hit("Caroline likes tea", None)
    # header 2 + first 16 = 18; long needs 41 more; short ("-" "caroline" "likes" "tea") 4.
    block = render_context([first, long, short], budget=30, counter=counter)
    assert block.tokens == 22
    assert block.text == (
        "Facts:\n- Caroline went to the support group (from 2023-05-07)\n- Caroline likes tea"
    )
    assert [h.text for h in block.hits] == [first.text, short.text]
    assert render_context([first], budget=17, counter=counter).tokens == 0
    assert render_context([first], budget=18, counter=counter).tokens == 18


def test_bm25_by_hand() -> None:
    from kenning.search.bm25 import bm25, idf
    from kenning.store.port import TermMatches

    # idf(1 of 10) = ln(1 + 9.5 / 1.5) = ln(7.333…); idf(4 of 10) = ln(1 + 6.5 / 4.5).
    assert idf(1, 10) == pytest.approx(1.99243, abs=1e-5)
    # Equal lengths: the length norm is 1, so each word adds exactly its idf.
    rare = TermMatches("pixel", 1, ["x"], [20])
    common = TermMatches("dog", 4, ["x", "y"], [20, 20])
    ranked = bm25([rare, common], n=10, k=5)
    assert [h.id for h in ranked] == ["x", "y"]
    assert ranked[0].score == pytest.approx(idf(1, 10) + idf(4, 10))
    assert ranked[1].score == pytest.approx(idf(4, 10))
    # A word too common to list adds nothing; no listed word, no hits.
    assert bm25([TermMatches("alice", 9, [], [])], n=10, k=5) == []

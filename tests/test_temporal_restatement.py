"""A value that returns after another one starts a new fact (pure planner).

The store is simulated in memory exactly as ``write_graph`` and
``apply_versions`` behave: a statement joins the live fact of its (subject,
predicate, object) with the smallest id, or starts one; then the chain is
planned and the plan applied.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from kenning.store.temporal_port import ChainFact, Correction, Statement
from kenning.temporal.restatement import plan_chain

BASE = datetime(2015, 1, 1, tzinfo=UTC)
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return BASE + timedelta(days=n)


class Chain:
    """One (subject, predicate) chain's live and retired facts, in memory."""

    def __init__(self, functional: bool = True) -> None:
        self.functional = functional
        self.live: dict[str, ChainFact] = {}
        self.retired: set[str] = set()
        self.archived = 0
        self._n = 0

    def state(self, obj: str, statement: Statement) -> None:
        """Write one statement (as write_graph does), then resolve the chain."""
        same = sorted(i for i, f in self.live.items() if f.object_key == obj)
        if same:
            fact = self.live[same[0]]
            if statement not in fact.statements:
                ids = fact.episode_ids + tuple(
                    i for i in statement.episode_ids if i not in fact.episode_ids
                )
                self.live[fact.id] = replace(
                    fact, statements=(*fact.statements, statement), episode_ids=ids
                )
        else:
            self._n += 1
            fact_id = f"fa_{self._n:04d}"
            self.live[fact_id] = ChainFact(
                id=fact_id,
                subject_key="alice",
                predicate="lives_in",
                object_key=obj,
                stated_valid_from=statement.valid_from,
                stated_valid_to=statement.valid_to,
                observed_at=statement.observed_at,
                valid_from=statement.valid_from,
                valid_to=statement.valid_to,
                superseded_by=None,
                text=f"Alice lives in {obj}",
                confidence=statement.confidence,
                invalidation_reason=None,
                recorded_at=NOW,
                episode_ids=statement.episode_ids,
                statements=(statement,),
            )
        self.resolve()

    def resolve(self, edited: tuple[str, ...] = ()) -> None:
        plan = plan_chain(list(self.live.values()), self.functional, edited)
        for v in plan.versions:
            base = self.live[v.copy_of or v.id]
            self.archived += v.archive and v.copy_of is None
            self.live[v.id] = replace(
                base,
                id=v.id,
                valid_from=v.valid_from,
                valid_to=v.valid_to,
                superseded_by=v.superseded_by,
                stated_valid_from=v.stated_valid_from,
                stated_valid_to=v.stated_valid_to,
                observed_at=v.observed_at or base.observed_at,
                confidence=v.confidence,
                episode_ids=v.episode_ids,
                statements=v.statements,
                correction=v.correction,
                invalidation_reason=v.invalidation_reason,
            )
        for fact_id in plan.retired:
            del self.live[fact_id]
            self.retired.add(fact_id)

    def intervals(self) -> list[tuple[str, datetime | None, datetime | None]]:
        return sorted(
            ((f.object_key, f.valid_from, f.valid_to) for f in self.live.values()),
            key=lambda x: (x[1] or datetime.min.replace(tzinfo=UTC), x[0]),
        )

    def valid_at(self, at: datetime) -> list[str]:
        return [
            f.object_key
            for f in self.live.values()
            if (f.valid_from is None or f.valid_from <= at)
            and (f.valid_to is None or at < f.valid_to)
        ]


def said(n: int, *, stated: bool, episode: str = "", confidence: float = 0.8) -> Statement:
    """A statement made on day n: with a stated start, or observed only."""
    return Statement(
        (episode,) if episode else (), day(n) if stated else None, None, day(n), confidence
    )


def history(values: list[str], stated: bool) -> list[tuple[str, Statement]]:
    """One statement a year, in valid-time order."""
    return [(v, said(365 * i, stated=stated, episode=f"ep{i}")) for i, v in enumerate(values)]


def test_a_return_to_an_earlier_value_starts_a_new_fact_in_every_order() -> None:
    events = history(["a", "b", "c", "a"], stated=False)
    results = set()
    for seed in range(24):
        order = list(events)
        Random(seed).shuffle(order)
        chain = Chain()
        for obj, statement in order:
            chain.state(obj, statement)
        assert chain.valid_at(NOW) == ["a"]
        assert chain.valid_at(day(800)) == ["c"]
        assert chain.valid_at(day(400)) == ["b"]
        assert chain.valid_at(day(10)) == ["a"]
        assert chain.valid_at(day(-1000)) == ["a"]  # unknown start stays open
        results.add(tuple(chain.intervals()))
    assert results == {
        (
            ("a", None, day(365)),
            ("b", day(365), day(730)),
            ("c", day(730), day(1095)),
            ("a", day(1095), None),
        )
    }


def test_a_restatement_with_nothing_in_between_merges() -> None:
    chain = Chain()
    chain.state("a", said(0, stated=True, episode="ep1", confidence=0.6))
    chain.state("a", said(100, stated=False, episode="ep2", confidence=0.9))
    chain.state("b", said(200, stated=True, episode="ep3"))

    [a, b] = sorted(chain.live.values(), key=lambda f: f.object_key)
    assert (a.valid_from, a.valid_to, a.superseded_by) == (day(0), day(200), b.id)
    assert (a.episode_ids, a.confidence) == (("ep1", "ep2"), 0.9)


def test_a_value_stated_again_after_its_stated_end_starts_a_new_fact() -> None:
    ended = Statement(("ep2",), None, day(300), day(330), 0.8)  # "I broke up with Sam"
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        chain = Chain()
        items = [
            ("sam", said(0, stated=False, episode="ep1")),  # "I am dating Sam"
            ("sam", ended),
            ("sam", said(700, stated=False, episode="ep3")),  # "I am dating Sam" again
        ]
        for i in order:
            chain.state(*items[i])
        assert chain.intervals() == [("sam", None, day(300)), ("sam", day(700), None)]
        assert chain.valid_at(day(500)) == []


def test_a_fact_keeps_its_id_for_the_stay_it_was_created_with() -> None:
    chain = Chain()
    chain.state("a", said(2000, stated=True, episode="late"))  # "I live in A" (recent)
    [recent] = chain.live
    chain.state("b", said(1000, stated=True, episode="mid"))
    chain.state("a", said(0, stated=True, episode="early"))  # an old stay in A

    assert len(chain.live) == 3
    assert chain.live[recent].valid_from == day(2000)
    assert chain.live[recent].episode_ids == ("late",)


def test_deleting_the_value_in_between_merges_the_two_stays_again() -> None:
    chain = Chain()
    for obj, statement in history(["a", "b", "a"], stated=True):
        chain.state(obj, statement)
    assert len(chain.live) == 3
    [b] = [f for f in chain.live.values() if f.object_key == "b"]
    del chain.live[b.id]  # the store deletes the fact; its chain is resolved again
    chain.resolve()

    [a] = chain.live.values()
    assert (a.valid_from, a.valid_to, a.episode_ids) == (day(0), None, ("ep0", "ep2"))
    assert len(chain.retired) == 1


def test_a_deleted_episode_takes_its_statements_with_it() -> None:
    chain = Chain()
    for obj, statement in history(["a", "b", "a"], stated=True):
        chain.state(obj, statement)
    chain.state("a", said(800, stated=True, episode="ep3"))
    [back] = [f for f in chain.live.values() if f.valid_from == day(730)]
    assert back.episode_ids == ("ep2", "ep3")
    # delete_episode("ep2") removes the id from the facts it supports ...
    chain.live[back.id] = replace(back, episode_ids=("ep3",))
    chain.resolve()  # ... and the chain is resolved again

    [b] = [f for f in chain.live.values() if f.object_key == "b"]
    assert (b.valid_from, b.valid_to) == (day(365), day(800))
    assert (chain.live[back.id].valid_from, chain.live[back.id].statements) == (
        day(800),
        (said(800, stated=True, episode="ep3"),),
    )


def test_a_correction_overrides_what_sources_stated_and_survives_restatements() -> None:
    chain = Chain()
    chain.state("a", said(0, stated=True, episode="ep1"))
    [a] = chain.live
    fix = Correction(valid_from=day(30), sets_valid_from=True, confidence=0.2)
    chain.live[a] = replace(chain.live[a], correction=fix)
    chain.resolve(edited=(a,))
    chain.state("a", said(10, stated=True, episode="ep2", confidence=0.9))

    assert (chain.live[a].valid_from, chain.live[a].confidence) == (day(30), 0.2)
    assert chain.live[a].episode_ids == ("ep1", "ep2")


def test_non_functional_predicates_keep_one_fact_per_object() -> None:
    chain = Chain(functional=False)
    for obj, statement in history(["a", "b", "a"], stated=True):
        chain.state(obj, statement)
    assert chain.intervals() == [("a", day(0), None), ("b", day(365), None)]


# --- properties ---------------------------------------------------------------------

#: A life: each step a value and how many days after the previous one it is
#: stated; values repeat often, so returns are common.
lives = st.lists(st.tuples(st.sampled_from("abc"), st.integers(1, 400)), min_size=1, max_size=8)


def timeline(steps: list[tuple[str, int]], stated: bool) -> list[tuple[str, Statement]]:
    out, at = [], 0
    for i, (obj, gap) in enumerate(steps):
        at += gap
        out.append((obj, said(at, stated=stated, episode=f"ep{i}")))
    return out


def expected_at(events: list[tuple[str, Statement]], at: datetime, stated: bool) -> list[str]:
    """The last value stated before ``at``; before the first: the first value
    when its start is unknown (it stays open), nothing when it was stated."""
    before = [obj for obj, s in events if s.observed_at <= at]
    if before:
        return before[-1:]
    return [] if stated else [events[0][0]]


@settings(max_examples=300, deadline=None)
@given(lives, st.booleans(), st.randoms(use_true_random=False))
def test_any_arrival_order_gives_the_same_intervals_and_the_last_value_stated(
    steps: list[tuple[str, int]], stated: bool, rnd: Random
) -> None:
    events = timeline(steps, stated)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    chains = [Chain(), Chain()]
    for chain, order in zip(chains, (events, shuffled), strict=True):
        for obj, statement in order:
            chain.state(obj, statement)

    assert chains[0].intervals() == chains[1].intervals()
    chain = chains[1]
    spans = chain.intervals()
    for (_, _, end), (_, start, _) in pairwise(spans):
        assert end is not None
        assert start is not None
        assert end <= start  # no overlap
    # One fact per stay: a value counts again each time another one came between.
    stays = [obj for i, (obj, _) in enumerate(events) if i == 0 or events[i - 1][0] != obj]
    assert [obj for obj, _, _ in spans] == stays
    probes = [
        s.observed_at + delta for _, s in events for delta in (-timedelta(days=1), timedelta(0))
    ]
    for at in [*probes, NOW]:
        assert chain.valid_at(at) == expected_at(events, at, stated), at

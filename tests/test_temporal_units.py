"""Valid-time rules without I/O: the chain resolver, tense and aspect, config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kenning.config import load_settings
from kenning.domain.models import Triple
from kenning.temporal.chain import Interval, Link, resolve_chain
from kenning.temporal.tense import ground_tense

BASE = datetime(2015, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return BASE + timedelta(days=n)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def overlap(a: Interval, b: Interval) -> bool:
    """Half-open intervals share an instant (None is unbounded)."""
    lo = max((x for x in (a.valid_from, b.valid_from) if x is not None), default=None)
    ends = [x for x in (a.valid_to, b.valid_to) if x is not None]
    hi = min(ends) if ends else None
    return lo is None or hi is None or lo < hi


# --- the chain resolver ----------------------------------------------------------


def test_newer_fact_closes_the_older_and_names_it() -> None:
    sf = Link("f1", "san francisco", at("2015-04-01"), None, at("2016-01-01"))
    austin = Link("f2", "austin", at("2023-02-01"), None, at("2023-06-01"))

    got = resolve_chain([austin, sf])

    assert got["f1"] == Interval(at("2015-04-01"), at("2023-02-01"), superseded_by="f2")
    assert got["f2"] == Interval(at("2023-02-01"), None)


def test_a_late_episode_about_an_earlier_time_does_not_close_the_newer_fact() -> None:
    austin = Link("f2", "austin", at("2023-02-01"), None, at("2023-06-01"))
    # Said in 2019 ("I live in Denver"), ingested after the Austin fact.
    denver = Link("f3", "denver", None, None, at("2019-05-01"))

    got = resolve_chain([austin, denver])

    assert got["f2"] == Interval(at("2023-02-01"), None)
    assert got["f3"] == Interval(None, at("2023-02-01"), superseded_by="f2")


def test_unknown_start_stays_unknown_first_and_follows_its_predecessor_later() -> None:
    boston = Link("b", "boston", None, at("2019-01-01"), at("2024-01-01"))  # "lived ... until 2019"
    austin = Link("a", "austin", None, None, at("2024-01-01"))  # "I live in Austin"

    got = resolve_chain([boston, austin])

    assert got["b"] == Interval(None, at("2019-01-01"))  # ended on its own: not superseded
    assert got["a"] == Interval(at("2019-01-01"), None)


def test_a_stated_end_before_the_next_start_leaves_a_gap() -> None:
    job = Link("j1", "initech", at("2016-01-01"), at("2017-01-01"), at("2016-02-01"))
    next_job = Link("j2", "globex", at("2018-01-01"), None, at("2018-02-01"))

    got = resolve_chain([next_job, job])

    assert got["j1"] == Interval(at("2016-01-01"), at("2017-01-01"))
    assert got["j2"].valid_from == at("2018-01-01")


links = st.lists(
    st.builds(
        lambda obj, start, length, seen: Link(
            id=f"f-{obj}",
            object_key=obj,
            stated_from=None if start is None else day(start),
            stated_to=None if length is None else day((start or seen) + length),
            observed_at=day(seen),
        ),
        obj=st.sampled_from("abcdefg"),
        start=st.none() | st.integers(0, 3000),
        length=st.none() | st.integers(-30, 2000),
        seen=st.integers(0, 3000),
    ),
    max_size=7,
    unique_by=lambda link: link.object_key,
)


@settings(max_examples=400, deadline=None)
@given(links)
def test_no_two_facts_of_a_chain_overlap(chain: list[Link]) -> None:
    got = resolve_chain(chain)

    assert set(got) == {link.id for link in chain}
    for interval in got.values():
        if interval.valid_from is not None and interval.valid_to is not None:
            assert interval.valid_from <= interval.valid_to
    values = list(got.values())
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            empty = any(x.valid_from is not None and x.valid_from == x.valid_to for x in (a, b))
            assert empty or not overlap(a, b), (a, b)


@settings(max_examples=200, deadline=None)
@given(links, st.randoms(use_true_random=False))
def test_intervals_do_not_depend_on_arrival_order(chain: list[Link], rnd: Random) -> None:
    shuffled = list(chain)
    rnd.shuffle(shuffled)
    assert resolve_chain(shuffled) == resolve_chain(chain)


# --- tense and aspect --------------------------------------------------------------

SAID = at("2024-03-02")


def triple(predicate: str, **extra: object) -> Triple:
    return Triple.model_validate(
        {"subject": "Alice", "predicate": predicate, "object": "Boston", **extra}
    )


def test_past_state_is_over_by_when_it_was_said() -> None:
    [lived] = ground_tense([triple("lived_in")], SAID)
    assert (lived.predicate, lived.valid_from, lived.valid_to) == ("lives_in", None, SAID)


def test_present_perfect_with_since_stays_open() -> None:
    # "I have worked at Hooli since 2019" parses as worked_at with a start.
    [worked] = ground_tense([triple("worked_at", valid_from=at("2019-01-01"))], SAID)
    assert (worked.predicate, worked.valid_to) == ("works_at", None)


def test_onset_keeps_the_event_and_starts_the_state() -> None:
    moved, lives = ground_tense([triple("moved_to", valid_from=at("2023-01-01"))], SAID)
    assert moved.predicate == "moved_to"
    assert (lives.predicate, lives.valid_from, lives.valid_to) == (
        "lives_in",
        at("2023-01-01"),
        None,
    )


def test_end_event_closes_the_state_at_its_date_or_when_said() -> None:
    _, dated = ground_tense([triple("broke_up_with", valid_from=at("2024-02-01"))], SAID)
    _, undated = ground_tense([triple("broke_up_with")], SAID)
    assert (dated.predicate, dated.valid_from, dated.valid_to) == ("dating", None, at("2024-02-01"))
    assert undated.valid_to == SAID


def test_other_predicates_pass_through_unchanged() -> None:
    went = triple("went_to", valid_from=at("2024-03-01"))
    assert ground_tense([went], SAID) == [went]


# --- configuration ------------------------------------------------------------------


def test_functional_predicates_are_configurable_and_normalised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KENNING_FUNCTIONAL_PREDICATES", raising=False)
    assert {"lives_in", "works_at", "job_title"} <= set(load_settings().functional_predicates)
    monkeypatch.setenv("KENNING_FUNCTIONAL_PREDICATES", '["Lives in", "works_at", "lives_in"]')
    assert load_settings().functional_predicates == ("lives_in", "works_at")

"""The curator's pure rules: name keys, short forms, predicate classes, light
verbs, decay, the change-log encoding and the write a change becomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kenning.agents.curator.changes import decode_items, encode_items, transition
from kenning.agents.curator.duplicates import unambiguous
from kenning.agents.curator.names import is_light, is_short_form, name_key, predicate_class
from kenning.agents.curator.options import CuratorOptions
from kenning.agents.curator.stale import decayed
from kenning.errors import InputError
from kenning.store.curator_port import CuratorItems, FactBrief, StaleFact
from kenning.store.portable_port import PortableItem, PortableKind

OPTS = CuratorOptions.from_options({})
T = datetime(2024, 6, 1, 12, 30, 15, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Kids'", "kids"),
        ("Caroline's", "Caroline"),
        ("ice-cream", "Ice Cream"),
        ("Café Luna", "cafe luna"),
        ("James\u2019s", "james"),
        ("LGBTQ+", "lgbtq"),
    ],
)
def test_name_keys_ignore_what_does_not_tell_things_apart(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [("kids", "kid"), ("Melanie", "Melissa"), ("a", "the a")])
def test_name_keys_keep_what_does(a: str, b: str) -> None:
    assert name_key(a) != name_key(b) or a == "a"


def test_short_forms() -> None:
    assert is_short_form("Mel", "Melanie", 3)
    assert is_short_form("Caroline", "Caroline Smith", 3)
    assert not is_short_form("Jo", "Joanna", 3)  # too short to be a name
    assert not is_short_form("Melanie", "Mel", 3)  # the other way round
    assert not is_short_form("Mel Gibson", "Melanie", 3)  # not one word
    assert not is_short_form("Oscar", "Oscar's", 3)  # the same name


def test_an_ambiguous_short_form_is_left_alone() -> None:
    pairs = {("jo", "joanna"): "jo", ("jo", "joseph"): "jo", ("mel", "melanie"): "mel"}
    shared = {("jo", "joanna"): ["x"], ("jo", "joseph"): ["y"], ("mel", "melanie"): ["a", "b"]}
    assert unambiguous(pairs, shared, 1) == {("mel", "melanie")}
    shared[("jo", "joanna")] = ["x", "z"]
    assert unambiguous(pairs, shared, 1) == {("mel", "melanie"), ("jo", "joanna")}


@pytest.mark.parametrize(
    ("predicate", "cls"),
    [
        ("lives_in", "functional"),
        ("works_at", "functional"),
        ("moved_to", "event"),
        ("went_to", "event"),
        ("painted", "event"),
        ("broke_up_with", "event"),
        ("likes", "preference"),
        ("not_likes", "preference"),
        ("has", "state"),
        ("needs", "state"),
        ("is_friends_with", "state"),
    ],
)
def test_predicate_classes(predicate: str, cls: str) -> None:
    assert predicate_class(predicate, OPTS) == cls


def test_light_verbs() -> None:
    assert all(is_light(p, OPTS) for p in ["does", "had", "gets_up", "not_has", "is_in"])
    assert not any(is_light(p, OPTS) for p in ["likes", "does_yoga_with_x", "paints"])


def test_options_override_defaults_and_refuse_bad_shapes() -> None:
    opts = CuratorOptions.from_options({"horizon_days": {"state": 10}, "unrelated": 1})
    assert opts.horizon_days == {"state": 10.0}
    with pytest.raises(InputError):
        CuratorOptions.from_options({"opposite_predicates": [["likes"]]})


def brief(confidence: float = 0.8) -> FactBrief:
    return FactBrief("fa_1", "en_1", "A", "likes", "en_2", "B", "", confidence, None, None, T, [])


def test_decay_halves_per_half_life_and_never_twice() -> None:
    support = T - timedelta(days=200)
    assert decayed(StaleFact(brief(), support, None), 100, T) == pytest.approx(0.2, abs=1e-4)
    assert decayed(StaleFact(brief(0.2), support, T), 100, T) == 0.2  # decayed already


def item(kind: PortableKind, **props: object) -> PortableItem:
    refs = {"episode_id": "ep_1", "entity_id": "en_1"} if kind == "mention" else {}
    return PortableItem(kind, dict(props), refs, [0.25, -1.5] if kind != "mention" else None)


def test_items_round_trip_through_the_change_log_text() -> None:
    items = CuratorItems(
        entities=[item("entity", id="en_1", name="Mel", aliases=["M"], created_at=T)],
        facts=[
            PortableItem(
                "fact",
                {"id": "fa_1", "valid_from": T, "latest": True, "confidence": 0.7},
                {"subject_id": "en_1", "object_id": "en_2"},
                None,
            )
        ],
        mentions=[item("mention")],
        about={"en_1": ["in_1"]},
    )
    text = encode_items(items)
    assert decode_items(text) == items
    assert encode_items(decode_items(text)) == text


def test_a_change_deletes_what_was_and_writes_what_is() -> None:
    keep, gone = item("entity", id="en_1"), item("entity", id="en_2")
    fact = PortableItem("fact", {"id": "fa_1"}, {"subject_id": "en_2", "object_id": "en_3"})
    moved = PortableItem("fact", {"id": "fa_1"}, {"subject_id": "en_1", "object_id": "en_3"})
    before = CuratorItems(entities=[keep, gone], facts=[fact], about={"en_2": ["in_9"]})
    after = CuratorItems(entities=[keep], facts=[moved])

    forward = transition("run_1", before, after)
    back = transition("run_1", after, before, undo_seqs=[1])

    assert (forward.delete_entities, forward.update_entities, forward.create_entities) == (
        ["en_2"],
        [keep],
        [],
    )
    assert forward.delete_facts == ["fa_1"]
    assert forward.facts == [moved]
    assert back.create_entities == [gone]
    assert back.about == {"en_2": ["in_9"]}
    assert back.facts == [fact]
    assert back.undo_seqs == [1]


def test_a_run_keeps_the_best_insights_per_kind_and_counts_them_all() -> None:
    from kenning.agents.curator import _Run
    from kenning.agents.models import AgentContext, InsightDraft
    from kenning.domain.models import Scope

    ctx = AgentContext(
        store=None,  # type: ignore[arg-type]  # add() never reaches the store
        scope=Scope(tenant="t", space="s"),
        run_id="run_1",
        now=T,
        options={"max_insights_per_kind": 2},
    )
    run = _Run(ctx)
    drafts = [
        InsightDraft(
            agent="curator", kind="stale_fact", title=f"f{i}", body="", score=s, fingerprint=f"{i}"
        )
        for i, s in enumerate([0.2, 0.9, 0.5])
    ]
    run.add("stale_fact", drafts)
    assert [d.title for d in run.drafts] == ["f1", "f2"]
    assert run.found == {"stale_fact": 3}

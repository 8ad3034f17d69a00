"""GET /v1/essential on a LoCoMo conv-26 import and on small spaces, both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kenning.config import DEFAULT_FUNCTIONAL_PREDICATES
from kenning.embed.tokens import WordPieceCounter
from tests.test_api import fresh_space

SPACE = "conv-26"


def _essential(api: httpx.Client, space: str, **params: Any) -> dict[str, Any]:
    answer: dict[str, Any] = (
        api.get("/v1/essential", params={"space": space, **params}).raise_for_status().json()
    )
    return answer


def _of(answer: dict[str, Any], subject: str) -> list[dict[str, Any]]:
    return [f for f in answer["facts"] if f["subject"] == subject]


def _current(fact: dict[str, Any]) -> bool:
    now = datetime.now(UTC).isoformat()
    ended = fact["valid_to"] is not None and fact["valid_to"] <= now
    return not ended and fact["superseded_by"] is None and fact["expired_at"] is None


def test_conv26_essential_facts_of_caroline_and_melanie(
    api: httpx.Client, conv26_import: str
) -> None:
    answer = _essential(api, SPACE, max_tokens=400)
    assert answer["space"] == SPACE
    assert answer["token_budget"] == 400
    assert 0 < answer["tokens"] <= 400
    assert answer["tokens"] == WordPieceCounter().count(answer["context"])
    assert answer["context"].startswith("Essential facts:\n- ")
    assert all(_current(f) for f in answer["facts"]), answer["facts"]
    caroline, melanie = _of(answer, "Caroline"), _of(answer, "Melanie")
    # Caroline's activism and community; Melanie's family and her clarinet.
    assert any("LGBTQ" in f["text"] for f in caroline), caroline
    assert any("community" in f["text"] for f in caroline), caroline
    assert any("clarinet" in f["text"] for f in melanie), melanie
    assert any("kids" in f["text"] for f in melanie), melanie
    # Every line of the block is one chosen fact, in rank order.
    lines = answer["context"].split("\n")[1:]
    assert len(lines) == len(answer["facts"])
    assert all(
        line.startswith(f"- {f['subject']} ")
        for line, f in zip(lines, answer["facts"], strict=True)
    )
    # Deterministic: asked again (cached or not), the same facts in the same order.
    again = _essential(api, SPACE, max_tokens=400)
    assert [f["id"] for f in again["facts"]] == [f["id"] for f in answer["facts"]]


def test_a_new_fact_changes_the_cached_answer(api: httpx.Client) -> None:
    # A space of its own: conv-26 is the session's shared import, and a fact
    # written there would change what other modules' tests read.
    space = fresh_space()
    facts = [
        {"subject": "Caroline", "predicate": "likes", "object": "painting"},
        {"subject": "Caroline", "predicate": "visited", "object": "Paris"},  # not essential
    ]
    api.post("/v1/facts", json={"space": space, "facts": facts}).raise_for_status()
    before = _essential(api, space, max_tokens=400)
    cached = _essential(api, space, max_tokens=400)
    assert cached["generated_at"] == before["generated_at"]  # served from the cache
    new = {"subject": "Caroline", "predicate": "lives_in", "object": "Gothenburg"}
    api.post("/v1/facts", json={"space": space, "facts": [new]}).raise_for_status()
    after = _essential(api, space, max_tokens=400)
    assert after["generated_at"] > before["generated_at"]
    # A functional predicate (where someone lives) ranks before every other
    # topic, though no episode supports it.
    triples = [(f["subject"], f["predicate"], f["object"]) for f in after["facts"]]
    at = triples.index(("Caroline", "lives_in", "Gothenburg"))
    others = [i for i, t in enumerate(triples) if t[1] not in DEFAULT_FUNCTIONAL_PREDICATES]
    assert others
    assert at < min(others)
    assert "- Caroline lives in Gothenburg" in after["context"]
    assert "Gothenburg" not in before["context"]


def test_a_superseded_fact_leaves_and_its_successor_enters(api: httpx.Client) -> None:
    space = fresh_space()
    facts = [
        {
            "subject": "Ann",
            "predicate": "works_at",
            "object": "Acme",
            "valid_from": "2020-01-01T00:00:00Z",
        },
        {"subject": "Ann", "predicate": "likes", "object": "jazz"},
        {"subject": "Ann", "predicate": "visited", "object": "Paris"},  # not essential
    ]
    api.post("/v1/facts", json={"space": space, "facts": facts}).raise_for_status()
    first = _essential(api, space)
    assert [(f["predicate"], f["object"]) for f in first["facts"]] == [
        ("works_at", "Acme"),
        ("likes", "jazz"),
    ]
    moved = {
        "subject": "Ann",
        "predicate": "works_at",
        "object": "Globex",
        "valid_from": "2023-01-01T00:00:00Z",
    }
    api.post("/v1/facts", json={"space": space, "facts": [moved]}).raise_for_status()
    second = _essential(api, space)
    assert [(f["predicate"], f["object"]) for f in second["facts"]] == [
        ("works_at", "Globex"),
        ("likes", "jazz"),
    ]
    assert (
        second["context"]
        == "Essential facts:\n- Ann works at Globex (from 2023-01-01)\n- Ann likes jazz"
    )


@pytest.mark.parametrize("budget", [16, 24, 40, 400])
def test_the_block_stays_within_the_budget(api: httpx.Client, budget: int) -> None:
    space = fresh_space()
    liked = ["jazz", "sushi", "chess", "tango", "opera", "hiking", "cycling", "poetry"]
    facts = [
        {"subject": f"Person {i}", "predicate": "likes", "object": o} for i, o in enumerate(liked)
    ]
    api.post("/v1/facts", json={"space": space, "facts": facts}).raise_for_status()
    answer = _essential(api, space, max_tokens=budget)
    counted = WordPieceCounter().count(answer["context"])
    assert answer["tokens"] == counted <= budget
    assert len(answer["facts"]) == len(answer["context"].split("\n")[1:])
    whole = _essential(api, space, max_tokens=1000)
    assert len(whole["facts"]) == len(liked)
    if budget < 40:
        assert len(answer["facts"]) < len(liked)


def test_bad_budget_is_422_naming_the_field(api: httpx.Client) -> None:
    response = api.get("/v1/essential", params={"space": "x", "max_tokens": 3})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "max_tokens"

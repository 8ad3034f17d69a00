"""LoCoMo conv-26 over HTTP: facts carry the session dates their turns came
from, and a timeline returns them in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from kenning.importers.locomo import read_locomo
from tests.conftest import LOCOMO

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not LOCOMO.exists(), reason=f"LoCoMo data not found at {LOCOMO}"),
]

SPACE = "conv-26"  # the space `kenning import locomo` uses, so one import is shared


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def conv26(conv26_import: str) -> set[datetime]:
    """conv-26 imported by the session's CLI import; its session dates."""
    assert " 0 failed" in conv26_import
    [conversation] = read_locomo(LOCOMO, SPACE)
    return {e.occurred_at for e in conversation.episodes if e.occurred_at is not None}


def entity_id(api: httpx.Client, name: str) -> str:
    after = ""
    while True:
        page = api.get("/v1/entities", params={"space": SPACE, "limit": 500, "after": after}).json()
        for entity in page["items"]:
            if entity["name"] == name:
                return str(entity["id"])
        if page["next_after"] is None:
            raise AssertionError(f"no entity {name}")
        after = page["next_after"]


def timeline(api: httpx.Client, name: str) -> list[dict[str, Any]]:
    response = api.get(
        "/v1/timeline", params={"space": SPACE, "entity": entity_id(api, name), "limit": 5000}
    )
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


@pytest.mark.parametrize("speaker", ["Caroline", "Melanie"])
def test_facts_carry_the_session_dates_of_their_turns(
    api: httpx.Client, conv26: set[datetime], speaker: str
) -> None:
    events = timeline(api, speaker)
    facts = {e["fact"]["id"]: e for e in events if e["fact"]["subject"] == speaker}
    assert len(facts) >= 20, len(facts)
    for event in facts.values():
        fact, sources = event["fact"], event["sources"]
        assert sources, fact
        said = [when(s["occurred_at"]) for s in sources]
        assert when(fact["observed_at"]) == min(said), fact
        assert set(said) <= conv26
    sessions = {when(e["fact"]["observed_at"]) for e in facts.values()}
    assert len(sessions) >= 10  # the timeline spans the conversation, not one session


def test_timeline_is_in_order_and_grounds_yesterday(
    api: httpx.Client, conv26: set[datetime]
) -> None:
    events = timeline(api, "Caroline")
    instants = [when(e["at"]) for e in events]
    assert instants == sorted(instants)
    # D1:3, said 8 May 2023: "I went to a LGBTQ support group yesterday ..."
    group = next(
        e
        for e in events
        # "went to", as the canonical predicate
        if e["fact"]["predicate"] == "visited" and "LGBTQ support group" in e["fact"]["object"]
    )
    assert (group["kind"], group["at"][:10]) == ("started", "2023-05-07")
    assert group["sources"][0]["occurred_at"].startswith("2023-05-08")
    later = [
        e for e in events if when(e["at"]) >= min(d for d in conv26 if d.month == 5 and d.day == 25)
    ]
    assert later
    assert events.index(group) < events.index(later[0])

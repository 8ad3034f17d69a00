"""The REST API over HTTP against the real app on the embedded engine."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from kenning.config import load_settings
from tests.conftest import serve, wait_for_job

TURNS = [
    ("Alice", "I moved to Austin last year and I love the food trucks.", "2024-03-02T10:00:00Z"),
    ("Bob", "Nice! I still work at Initech in Chicago.", "2024-03-02T10:01:00Z"),
    ("Alice", "I adopted a greyhound named Pixel last month.", "2024-03-02T10:02:00Z"),
]


def fresh_space() -> str:
    return f"s-{uuid.uuid4().hex[:10]}"


def episodes(turns: list[tuple[str, str, str]] = TURNS) -> list[dict[str, Any]]:
    return [{"speaker": s, "content": c, "occurred_at": t} for s, c, t in turns]


def stats_of(api: httpx.Client, space: str) -> dict[str, int]:
    rows = api.get("/v1/stats").raise_for_status().json()["spaces"]
    row = next((r for r in rows if r["space"] == space), None)
    return row or {"space": space, "episodes": 0, "entities": 0, "facts": 0}


def ingest(api: httpx.Client, space: str) -> dict[str, Any]:
    response = api.post("/v1/episodes", json={"space": space, "episodes": episodes()})
    assert response.status_code == 202, response.text
    return response.json()


def test_healthz_reports_the_engine(api: httpx.Client, engine: str) -> None:
    body = api.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["engine"] == engine


def test_ingest_runs_to_done_and_search_finds_the_turn(api: httpx.Client) -> None:
    space = fresh_space()
    accepted = ingest(api, space)
    assert accepted["created"] == 3
    assert len(accepted["episode_ids"]) == 3
    job = wait_for_job(api, accepted["job_id"])
    assert (job["total"], job["done"], job["failed"]) == (3, 3, 0)

    results = api.post(
        "/v1/search", json={"space": space, "query": "Which dog did Alice adopt?", "top_k": 5}
    ).json()["results"]
    pixel = [r for r in results if "Pixel" in r["text"]]
    assert pixel, results
    assert pixel[0]["episode_ids"][0] == accepted["episode_ids"][2]
    assert set(pixel[0]["channels"]) <= {"vector", "fulltext", "graph", "neighbourhood", "time"}
    assert all(c["rank"] >= 1 for c in pixel[0]["channels"].values())
    episode_hits = [r for r in results if r["kind"] == "episode"]
    assert episode_hits[0]["occurred_at"].startswith("2024-03-02")


def test_extraction_makes_the_speaker_the_subject(api: httpx.Client) -> None:
    space = fresh_space()
    wait_for_job(api, ingest(api, space)["job_id"])
    facts = api.get("/v1/facts", params={"space": space, "limit": 100}).json()["items"]
    triples = {(f["subject"], f["predicate"], f["object"]) for f in facts}
    assert ("Alice", "moved_to", "Austin") in triples
    names = {e["name"] for e in api.get("/v1/entities", params={"space": space}).json()["items"]}
    assert {"Alice", "Bob", "Austin"} <= names


def test_resending_the_same_episodes_stores_nothing_new(api: httpx.Client) -> None:
    space = fresh_space()
    first = ingest(api, space)
    wait_for_job(api, first["job_id"])
    before = stats_of(api, space)
    again = ingest(api, space)
    assert (again["created"], again["duplicates"]) == (0, 3)
    assert again["episode_ids"] == first["episode_ids"]
    wait_for_job(api, again["job_id"])
    assert stats_of(api, space) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"episodes": [{"content": "hi"}]}, "space"),
        ({"space": "x", "episodes": [{"speaker": "A"}]}, "episodes.0.content"),
        (
            {"space": "x", "episodes": [{"content": "hi", "occurred_at": "soon"}]},
            "episodes.0.occurred_at",
        ),
        (
            {"space": "x", "episodes": [{"content": "hi", "occurred_at": "2024-01-01T10:00:00"}]},
            "episodes.0.occurred_at",
        ),
        ({"space": "x", "episodes": [{"content": "hi", "role": "robot"}]}, "episodes.0.role"),
        ({"space": "x", "episodes": [{"content": "hi", "mood": "odd"}]}, "episodes.0.mood"),
        ({"space": "x", "episodes": "hi"}, "episodes"),
        ({"space": "x", "episodes": []}, "episodes"),
        ({"space": "bad space!", "episodes": [{"content": "hi"}]}, "space"),
    ],
)
def test_bad_episode_input_is_422_naming_the_field(
    api: httpx.Client, body: dict[str, Any], field: str
) -> None:
    response = api.post("/v1/episodes", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["field"] == field
    assert "Traceback" not in response.text


def test_a_batch_with_one_bad_item_stores_nothing(api: httpx.Client) -> None:
    space = fresh_space()
    body = {"space": space, "episodes": [*episodes(), {"content": "x", "occurred_at": "never"}]}
    assert api.post("/v1/episodes", json=body).status_code == 422
    assert stats_of(api, space)["episodes"] == 0


def test_oversized_batch_is_refused_whole(api: httpx.Client) -> None:
    space = fresh_space()
    limit = load_settings().max_batch
    body = {"space": space, "episodes": [{"content": f"turn {i}"} for i in range(limit + 1)]}
    response = api.post("/v1/episodes", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "episodes"
    assert str(limit) in response.json()["error"]["message"]
    assert stats_of(api, space)["episodes"] == 0


def test_oversized_content_names_the_item(api: httpx.Client) -> None:
    too_long = "a" * (load_settings().max_content_chars + 1)
    body = {"space": fresh_space(), "episodes": [{"content": "ok"}, {"content": too_long}]}
    response = api.post("/v1/episodes", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "episodes.1.content"


def test_search_input_rules(api: httpx.Client) -> None:
    response = api.post("/v1/search", json={"space": "x", "query": "q", "top_k": 0})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "top_k"
    response = api.post("/v1/search", json={"space": "x", "query": ""})
    assert response.json()["error"]["field"] == "query"


def test_unknown_job_is_404(api: httpx.Client) -> None:
    response = api.get("/v1/jobs/job_nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_structured_facts_are_stored_and_merged(api: httpx.Client) -> None:
    space = fresh_space()
    fact = {"subject": "Dana", "predicate": "Works at", "object": "Globex", "confidence": 0.7}
    first = api.post("/v1/facts", json={"space": space, "facts": [fact]})
    assert first.status_code == 201, first.text
    stored = first.json()["facts"][0]
    assert (stored["subject"], stored["predicate"], stored["object"]) == (
        "Dana",
        "works_at",
        "Globex",
    )
    again = api.post("/v1/facts", json={"space": space, "facts": [{**fact, "confidence": 0.9}]})
    assert again.json()["facts"][0]["id"] == stored["id"]
    assert again.json()["facts"][0]["confidence"] == 0.9
    assert stats_of(api, space)["facts"] == 1
    bad = api.post("/v1/facts", json={"space": space, "facts": [{**fact, "object": "dana"}]})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "facts.0"


def test_fact_listing_pages_without_gaps_or_repeats(api: httpx.Client) -> None:
    space = fresh_space()
    facts = [{"subject": f"Person {i}", "predicate": "likes", "object": "tea"} for i in range(23)]
    assert api.post("/v1/facts", json={"space": space, "facts": facts}).status_code == 201
    seen: list[str] = []
    after = ""
    while True:
        page = api.get("/v1/facts", params={"space": space, "limit": 5, "after": after}).json()
        seen += [f["id"] for f in page["items"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert len(seen) == 23
    assert len(set(seen)) == 23
    assert api.get("/v1/facts", params={"space": space, "limit": 501}).status_code == 422


def test_graph_down_is_503_with_retry_after() -> None:
    settings = load_settings(graph_url="falkordb://127.0.0.1:1")
    with serve(settings, ready_status=503) as url, httpx.Client(base_url=url) as client:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.headers["Retry-After"].isdigit()
        response = client.post("/v1/episodes", json={"space": "x", "episodes": [{"content": "hi"}]})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "unavailable"
        assert "Traceback" not in response.text


def test_reusing_an_idempotency_key_for_other_content_is_409(api: httpx.Client) -> None:
    space = fresh_space()
    first = {"content": "I like tea.", "idempotency_key": "turn-1"}
    assert api.post("/v1/episodes", json={"space": space, "episodes": [first]}).status_code == 202
    again = api.post("/v1/episodes", json={"space": space, "episodes": [first]})
    assert again.status_code == 202
    assert again.json()["duplicates"] == 1
    other = {"content": "I like coffee.", "idempotency_key": "turn-1"}
    response = api.post("/v1/episodes", json={"space": space, "episodes": [other]})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert "episodes.0.idempotency_key" in response.json()["error"]["message"]
    same_batch = [
        {"content": "a", "idempotency_key": "k"},
        {"content": "b", "idempotency_key": "k"},
    ]
    response = api.post("/v1/episodes", json={"space": space, "episodes": same_batch})
    assert response.status_code == 409
    assert "episodes.1.idempotency_key" in response.json()["error"]["message"]
    assert stats_of(api, space)["episodes"] == 1

"""POST /v1/context and the retrieval channels over HTTP on the real app."""

from __future__ import annotations

import httpx
import pytest

from kenning.embed.tokens import WordPieceCounter
from tests.conftest import wait_for_job
from tests.test_api import fresh_space, ingest

QUESTION = "Which dog did Alice adopt?"


@pytest.fixture(scope="module")
def space(app_url: str) -> str:
    with httpx.Client(base_url=app_url, timeout=60) as api:
        name = fresh_space()
        wait_for_job(api, ingest(api, name)["job_id"])
        return name


def test_context_is_dated_and_within_the_budget(api: httpx.Client, space: str) -> None:
    body = {"space": space, "query": QUESTION, "token_budget": 60}
    answer = api.post("/v1/context", json=body).raise_for_status().json()
    assert 0 < answer["tokens"] <= 60
    assert answer["tokens"] == WordPieceCounter().count(answer["context"])
    assert "all-MiniLM-L6-v2" in answer["tokenizer"]
    assert "[2024-03-02] Alice: I adopted a greyhound named Pixel last month." in answer["context"]
    assert answer["hits"], answer


def test_a_small_budget_keeps_fewer_items(api: httpx.Client, space: str) -> None:
    wide = {"space": space, "query": QUESTION, "token_budget": 400}
    narrow = {**wide, "token_budget": 25}
    big = api.post("/v1/context", json=wide).json()
    small = api.post("/v1/context", json=narrow).json()
    assert small["tokens"] <= 25
    assert len(small["hits"]) < len(big["hits"])


@pytest.mark.parametrize(
    ("patch", "field"),
    [({"token_budget": 5}, "token_budget"), ({"query": ""}, "query"), ({"as_of": "x"}, "as_of")],
)
def test_bad_context_input_is_422_naming_the_field(
    api: httpx.Client, space: str, patch: dict[str, object], field: str
) -> None:
    body = {"space": space, "query": QUESTION, **patch}
    response = api.post("/v1/context", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_search_hits_say_why_they_matched(api: httpx.Client, space: str) -> None:
    results = api.post("/v1/search", json={"space": space, "query": QUESTION}).json()["results"]
    pixel = next(r for r in results if "Pixel" in r["text"])
    assert all(c["reason"] for c in pixel["channels"].values())
    assert pixel["channels"]["fulltext"]["reason"].startswith("BM25")

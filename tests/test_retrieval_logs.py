"""Retrieval logs (issue 16 §3) on both engines: searches and context calls of
the logged spaces are written in the background with their query, filters,
returned ids and per-channel ranks, latency and key; listed newest first in
pages, read one by one, kept to the retention limit, and filtered by tenant
and space."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import eventually, serve, settings_on

TENANT, OTHER = "retrievals-a", "retrievals-b"
KEY, OTHER_KEY = "ret-key-a", "ret-key-b"
#: Logged spaces (KENNING_RETRIEVAL_LOG_SPACES); any other space is not.
LOGGED = ("ret-logged", "ret-kept")
RETENTION = 3
FACTS = [
    ("Dana", "lives_in", "Lisbon", "Dana lives in Lisbon."),
    ("Dana", "works_at", "Acme", "Dana works at Acme."),
    ("Dana", "likes", "pastel de nata", "Dana likes pastel de nata."),
]


@pytest.fixture(scope="module")
def app(
    engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """An app of its own per engine: two tenants, logs on for LOGGED."""
    data_dir: Path = tmp_path_factory.mktemp(f"retrievals-{engine}")
    settings = settings_on(
        engine,
        data_dir,
        request,
        api_keys={KEY: TENANT, OTHER_KEY: OTHER},
        worker_tenants=(TENANT, OTHER),
        retrieval_log="on",
        retrieval_log_spaces=LOGGED,
        retrieval_log_retention=RETENTION,
    )
    with serve(settings) as url:
        yield url


def client(url: str, key: str = KEY) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture(scope="module")
def api(app: str) -> Iterator[httpx.Client]:
    with client(app) as c:
        yield c


def seeded(api: httpx.Client, space: str) -> str:
    """``space``, now holding FACTS."""
    facts = [{"subject": s, "predicate": p, "object": o, "text": t} for s, p, o, t in FACTS]
    post(api, "/v1/facts", {"space": space, "facts": facts})
    return space


def post(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body``; a busy or cold store (429/503 with Retry-After, e.g. a
    Neo4j still planning its first queries on a loaded machine) is retried
    for up to 120 s, as a client would."""
    deadline = time.monotonic() + 120
    while True:
        answer = api.post(path, json=body)
        if answer.status_code not in (429, 503) or time.monotonic() > deadline:
            answer.raise_for_status()
            found: dict[str, Any] = answer.json()
            return found
        time.sleep(1)


def logs(api: httpx.Client, space: str, **params: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while (answer := api.get("/v1/retrievals", params={"space": space, **params})).status_code in (
        429,
        503,
    ) and time.monotonic() < deadline:
        time.sleep(1)  # a busy or cold store, as in post()
    answer.raise_for_status()
    page: dict[str, Any] = answer.json()
    return page


def logged_query(api: httpx.Client, space: str, query: str) -> dict[str, Any] | None:
    """The newest log row of ``query`` in ``space``, waited for."""

    def find() -> dict[str, Any] | None:
        rows = [r for r in logs(api, space, limit=500)["items"] if r["query"] == query]
        return rows[0] if rows else None

    found: dict[str, Any] | None = eventually(find)
    return found


@pytest.fixture(scope="module")
def space(api: httpx.Client) -> str:
    return seeded(api, LOGGED[0])


def test_a_search_is_logged_with_what_it_returned_and_why(api: httpx.Client, space: str) -> None:
    query = f"Where does Dana live? {uuid.uuid4().hex[:6]}"
    body = {"space": space, "query": query, "top_k": 5, "as_of": "2030-01-01T00:00:00Z"}
    results = post(api, "/v1/search", body)["results"]
    assert results
    row = logged_query(api, space, query)
    assert row is not None
    assert row["kind"] == "search"
    assert row["space"] == space
    assert row["filters"]["top_k"] == 5
    assert row["filters"]["as_of"].startswith("2030-01-01T00:00:00")
    assert row["filters"]["known_at"] is None
    assert row["key_id"] is None  # a static development key has no id
    assert row["latency_ms"] > 0
    expected = [
        {
            "key": f"{hit['kind']}:{hit['id']}",
            "rank": rank,
            "score": pytest.approx(hit["score"]),
            "channels": {
                name: {"rank": c["rank"], "score": pytest.approx(c["score"])}
                for name, c in hit["channels"].items()
            },
        }
        for rank, hit in enumerate(results, start=1)
    ]
    assert row["results"] == expected
    one = api.get(f"/v1/retrievals/{row['id']}", params={"space": space}).raise_for_status()
    assert one.json() == row


def test_a_context_call_logs_the_hits_in_its_block(api: httpx.Client, space: str) -> None:
    query = f"What does Dana like? {uuid.uuid4().hex[:6]}"
    body = {"space": space, "query": query, "token_budget": 200, "max_items": 7}
    block = post(api, "/v1/context", body)
    row = logged_query(api, space, query)
    assert row is not None
    assert row["kind"] == "context"
    assert row["filters"]["top_k"] == 7
    assert [r["key"] for r in row["results"]] == [f"{h['kind']}:{h['id']}" for h in block["hits"]]


def test_a_space_not_listed_is_not_logged(api: httpx.Client, space: str) -> None:
    quiet = seeded(api, "ret-quiet")
    post(api, "/v1/search", {"space": quiet, "query": "Dana"})
    # The logged space's row is written after the quiet one would have been.
    query = f"Dana's work {uuid.uuid4().hex[:6]}"
    post(api, "/v1/search", {"space": space, "query": query})
    assert logged_query(api, space, query) is not None
    assert logs(api, quiet)["items"] == []


def test_retention_keeps_the_newest_rows_and_pages_run_newest_first(api: httpx.Client) -> None:
    kept = seeded(api, LOGGED[1])
    queries = [f"Dana question {n}" for n in range(RETENTION + 2)]
    for query in queries:
        post(api, "/v1/search", {"space": kept, "query": query})
        # One at a time: each row is written (and the space pruned) before the next.
        assert logged_query(api, kept, query) is not None

    def settled() -> list[str]:
        found = [r["query"] for r in logs(api, kept, limit=500)["items"]]
        return found if len(found) == RETENTION else []

    assert eventually(settled) == list(reversed(queries))[:RETENTION]
    first = logs(api, kept, limit=2)
    assert [r["query"] for r in first["items"]] == [queries[-1], queries[-2]]
    assert first["next_cursor"] == first["items"][-1]["id"]
    second = logs(api, kept, limit=2, cursor=first["next_cursor"])
    assert [r["query"] for r in second["items"]] == [queries[-3]]
    assert second["next_cursor"] is None


def test_logs_belong_to_their_tenant(app: str, api: httpx.Client, space: str) -> None:
    query = f"Dana's city {uuid.uuid4().hex[:6]}"
    post(api, "/v1/search", {"space": space, "query": query})
    row = logged_query(api, space, query)
    assert row is not None
    with client(app, OTHER_KEY) as other:
        assert logs(other, space)["items"] == []
        answer = other.get(f"/v1/retrievals/{row['id']}", params={"space": space})
        assert answer.status_code == 404


def test_bad_cursor_and_unknown_id(api: httpx.Client, space: str) -> None:
    bad = api.get("/v1/retrievals", params={"space": space, "cursor": "fa_0123"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "cursor"
    missing = api.get("/v1/retrievals/ret_00000000000000000000000000", params={"space": space})
    assert missing.status_code == 404


def test_a_graphql_search_is_logged_like_a_rest_one(api: httpx.Client, space: str) -> None:
    query = f"Where does Dana work? {uuid.uuid4().hex[:6]}"
    document = """query($space: String!, $query: String!) {
      search(space: $space, query: $query, topK: 4) { kind id }
    }"""
    variables = {"space": space, "query": query}
    answer = api.post("/graphql", json={"query": document, "variables": variables})
    assert answer.status_code == 200, answer.text
    assert "errors" not in answer.json(), answer.text
    hits = answer.json()["data"]["search"]
    assert hits
    row = logged_query(api, space, query)
    assert row is not None
    assert (row["kind"], row["filters"]["top_k"], row["key_id"]) == ("search", 4, None)
    assert [r["key"] for r in row["results"]] == [f"{h['kind'].lower()}:{h['id']}" for h in hits]

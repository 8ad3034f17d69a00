"""Category filters (``agent_id``, ``run_id``, ``app_id``) over HTTP, on both engines.

One space holds memory of two agents, two apps and four runs: episodes (and
the facts extracted from them, which carry their tags) and structured facts.
Each filter, alone and combined, must return exactly its share from search,
context, the fact list, the timeline, the graph and GraphQL; a reader that
ignored the filter would return the other categories' items too.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import wait_for_job
from tests.test_api import fresh_space

#: (agent_id, app_id, run_id, what was said); the speaker is always Alice.
TAGGED_TURNS = [
    ("planner", "web", "r1", "I adopted a beagle named Rufus last spring."),
    ("planner", "mobile", "r2", "I run the Boston marathon with my beagle every year."),
    ("coder", "web", "r3", "I play the cello in the city orchestra with Rufus watching."),
    ("coder", "mobile", "r4", "I paint watercolor landscapes of the beagle park."),
]
#: Structured facts: (agent_id, app_id, run_id, object Alice likes).
TAGGED_FACTS = [
    ("planner", "web", "r1", "jazz"),
    ("planner", "mobile", "r2", "sushi"),
    ("coder", "web", "r3", "chess"),
    ("coder", "mobile", "r4", "tango"),
]
FILTERS: list[dict[str, str]] = [
    {"agent_id": "planner"},
    {"agent_id": "coder"},
    {"app_id": "web"},
    {"app_id": "mobile"},
    {"run_id": "r3"},
    {"agent_id": "planner", "app_id": "mobile"},
    {"agent_id": "coder", "app_id": "web", "run_id": "r3"},
    {"agent_id": "coder", "run_id": "r1"},  # no item has both: nothing
]
GRAPHQL_ARGS = {"agent_id": "agentId", "run_id": "runId", "app_id": "appId"}


def _tags(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item.get(k) for k in ("agent_id", "run_id", "app_id")}


def _matches(item: dict[str, Any], where: dict[str, str]) -> bool:
    return all(item.get(k) == v for k, v in where.items())


@pytest.fixture(scope="module")
def tagged(app_url: str) -> dict[str, Any]:
    """The space, and its episodes and facts (each with its tags) as stored."""
    space = fresh_space()
    with httpx.Client(base_url=app_url, timeout=120) as api:
        episodes: dict[str, dict[str, Any]] = {}
        for day, (agent, app, run, text) in enumerate(TAGGED_TURNS, start=1):
            tags = {"agent_id": agent, "app_id": app, "run_id": run}
            turn = {"speaker": "Alice", "content": text, "occurred_at": f"2024-03-0{day}T10:00:00Z"}
            body = {"space": space, "episodes": [{**turn, **tags}]}
            accepted = api.post("/v1/episodes", json=body).raise_for_status().json()
            wait_for_job(api, accepted["job_id"])
            episodes[accepted["episode_ids"][0]] = tags
        for agent, app, run, liked in TAGGED_FACTS:
            fact = {"subject": "Alice", "predicate": "likes", "object": liked}
            tags = {"agent_id": agent, "app_id": app, "run_id": run}
            body = {"space": space, "facts": [{**fact, **tags}]}
            api.post("/v1/facts", json=body).raise_for_status()
        facts = api.get("/v1/facts", params={"space": space, "limit": 500}).json()["items"]
    assert len(facts) > len(TAGGED_FACTS), "extraction gave no tagged facts"
    assert all(f["agent_id"] for f in facts), facts
    return {"space": space, "episodes": episodes, "facts": {f["id"]: _tags(f) for f in facts}}


def _share(tagged: dict[str, Any], where: dict[str, str]) -> set[str]:
    facts = {f"fact:{i}" for i, t in tagged["facts"].items() if _matches(t, where)}
    episodes = {f"episode:{i}" for i, t in tagged["episodes"].items() if _matches(t, where)}
    return facts | episodes


def _fact_share(tagged: dict[str, Any], where: dict[str, str]) -> set[str]:
    return {i for i, t in tagged["facts"].items() if _matches(t, where)}


def test_without_a_filter_every_category_comes_back(
    api: httpx.Client, tagged: dict[str, Any]
) -> None:
    # The baseline the filtered answers are compared to: the query reaches all.
    body = {"space": tagged["space"], "query": "Alice beagle", "top_k": 100}
    hits = api.post("/v1/search", json=body).raise_for_status().json()["results"]
    assert {f"{h['kind']}:{h['id']}" for h in hits} == _share(tagged, {})


@pytest.mark.parametrize("where", FILTERS, ids=lambda w: "+".join(f"{k}={v}" for k, v in w.items()))
def test_rest_reads_return_exactly_the_share(
    api: httpx.Client, tagged: dict[str, Any], where: dict[str, str]
) -> None:
    space = tagged["space"]
    expected, facts = _share(tagged, where), _fact_share(tagged, where)
    body = {"space": space, "query": "Alice beagle", "top_k": 100, **where}
    hits = api.post("/v1/search", json=body).raise_for_status().json()["results"]
    assert {f"{h['kind']}:{h['id']}" for h in hits} == expected

    context = {"space": space, "query": "Alice beagle", "token_budget": 4000, **where}
    block = api.post("/v1/context", json=context).raise_for_status().json()
    assert {f"{h['kind']}:{h['id']}" for h in block["hits"]} <= expected
    assert all(_matches(_tags(h.get("fact") or h["episode"]), where) for h in block["hits"])

    listed = api.get("/v1/facts", params={"space": space, "limit": 500, **where}).json()
    assert {f["id"] for f in listed["items"]} == facts

    timeline = api.get("/v1/timeline", params={"space": space, **where}).json()["events"]
    assert {e["fact"]["id"] for e in timeline} == facts

    graph = api.get("/v1/graph", params={"space": space, "entity": "Alice", **where})
    edges = {e["id"] for e in graph.raise_for_status().json()["edges"]}
    alice = {i for i in facts if i in _alice_facts(api, space)}
    assert edges == alice


def _alice_facts(api: httpx.Client, space: str) -> set[str]:
    graph = api.get("/v1/graph", params={"space": space, "entity": "Alice", "limit": 500})
    return {e["id"] for e in graph.raise_for_status().json()["edges"]}


@pytest.mark.parametrize("where", FILTERS, ids=lambda w: "+".join(f"{k}={v}" for k, v in w.items()))
def test_graphql_reads_return_exactly_the_share(
    api: httpx.Client, tagged: dict[str, Any], where: dict[str, str]
) -> None:
    space = tagged["space"]
    args = "".join(f', {GRAPHQL_ARGS[k]}: "{v}"' for k, v in where.items())
    query = (
        f'{{ search(space: "{space}", query: "Alice beagle", topK: 100{args}) {{ kind id }}'
        f' facts(space: "{space}", first: 100{args}) {{ totalCount edges {{ node {{ id }} }} }}'
        f' timeline(space: "{space}"{args}) {{ fact {{ id }} }}'
        f' neighborhood(space: "{space}", entity: {{name: "Alice"}}{args}) {{ edges {{ id }} }} }}'
    )
    answer = api.post("/graphql", json={"query": query}).raise_for_status().json()
    assert "errors" not in answer, answer
    data = answer["data"]
    facts = _fact_share(tagged, where)
    assert {f"{h['kind'].lower()}:{h['id']}" for h in data["search"]} == _share(tagged, where)
    assert {e["node"]["id"] for e in data["facts"]["edges"]} == facts
    assert data["facts"]["totalCount"] == len(facts)
    assert {e["fact"]["id"] for e in data["timeline"]} == facts
    alice = _alice_facts(api, space)
    assert {e["id"] for e in data["neighborhood"]["edges"]} == facts & alice


def test_a_filter_value_is_checked(api: httpx.Client, tagged: dict[str, Any]) -> None:
    body = {"space": tagged["space"], "query": "Alice", "agent_id": ""}
    response = api.post("/v1/search", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "agent_id"

"""The MCP server with the official ``mcp`` client: over stdio (``kenning mcp``
as a subprocess on its own data dir) and over streamable HTTP (``/mcp`` of the
real served app, behind API keys). Each lists the tools and calls every one
on real LoCoMo turns."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from kenning.config import load_settings
from kenning.importers.locomo import read_locomo
from kenning.mcp.server import TOOL_NAMES
from tests.conftest import LOCOMO, serve

#: Turns of LoCoMo conv-26 (session 1) the tests remember.
TURNS = 14
KEY_A, KEY_B = "sk-mcp-acme", "sk-mcp-globex"
KENNING = Path(sys.executable).parent / "kenning"
#: Seconds a tool may wait for extraction or agent runs (the tool's maximum).
WAIT_S = 120


def _turns() -> list[dict[str, Any]]:
    if not LOCOMO.exists():
        pytest.skip(f"LoCoMo data not found at {LOCOMO}")
    conversation = next(iter(read_locomo(LOCOMO, "conv-26")))
    return [e.model_dump(mode="json", exclude_none=True) for e in conversation.episodes[:TURNS]]


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """The structured result of a tool call that must succeed."""
    result: CallToolResult = await client.call_tool(tool, arguments)
    assert not result.is_error, f"{tool}: {result.content}"
    assert result.structured_content is not None
    # The text content carries the same JSON, for clients that ignore structure.
    assert json.loads(result.content[0].text) == result.structured_content  # type: ignore[union-attr]
    return result.structured_content


async def refused(client: Client, tool: str, **arguments: Any) -> str:
    """The error text of a tool call that must fail."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, f"{tool} should have failed: {result.structured_content}"
    text: str = result.content[0].text  # type: ignore[union-attr]
    assert "Traceback" not in text
    assert "MATCH" not in text
    return text


async def _remember(client: Client, space: str) -> list[str]:
    added = await call(client, "memory_add", space=space, episodes=_turns(), wait_s=WAIT_S)
    assert added["created"] == TURNS
    assert len(added["episode_ids"]) == TURNS
    job = added["job"]
    while not job["finished"]:
        job = await call(client, "memory_job", job_id=added["job_id"], wait_s=WAIT_S)
    assert (job["done"], job["failed"]) == (TURNS, 0)
    again = await call(client, "memory_add", space=space, episodes=_turns()[:2])
    assert (again["created"], again["duplicates"]) == (0, 2)
    ids: list[str] = added["episode_ids"]
    return ids


async def _recall(client: Client, space: str, ids: list[str]) -> None:
    support_group = ids[2]  # D1:3 "I went to a LGBTQ support group yesterday ..."
    found = await call(client, "memory_search", space=space, query="LGBTQ support group", top_k=5)
    hits = found["results"]
    assert hits
    assert all(set(h["episode_ids"]) <= set(ids) for h in hits)
    assert support_group in {e for h in hits[:3] for e in h["episode_ids"]}

    block = await call(
        client,
        "memory_context",
        space=space,
        query="What career is Caroline considering?",
        token_budget=200,
    )
    assert 0 < block["tokens"] <= 200
    assert block["token_budget"] == 200
    assert "counsel" in block["context"].lower()

    essential = await call(client, "memory_essential", space=space, max_tokens=200)
    assert essential["space"] == space
    assert essential["token_budget"] == 200
    assert essential["tokens"] <= 200
    lines = essential["context"].split("\n")[1:]
    assert [line.split(" ")[1] for line in lines] == [
        f["subject"].split(" ")[0] for f in essential["facts"]
    ]

    graph = await call(client, "memory_graph", space=space, entity="Caroline", depth=1)
    centre = [n for n in graph["nodes"] if n["distance"] == 0]
    assert [n["name"] for n in centre] == ["Caroline"]
    assert graph["edges"], "Caroline has facts"
    assert all(set(e["fact"]["episode_ids"]) <= set(ids) for e in graph["edges"])

    timeline = await call(client, "memory_timeline", space=space, entity=centre[0]["id"])
    events = timeline["events"]
    # Every fact about Caroline (the graph's edges at depth 1) has its events.
    assert {e["fact"]["id"] for e in events} == {e["id"] for e in graph["edges"]}
    assert all({s["id"] for s in e["sources"]} <= set(ids) for e in events)
    instants = [e["at"] for e in events]
    assert instants == sorted(instants)


async def _agents(client: Client, space: str) -> None:
    before = await call(client, "memory_insights", space=space)
    assert before["items"] == []
    runs = await call(client, "memory_run_agents", space=space, agent="all", wait_s=WAIT_S)
    while not runs["finished"]:
        runs = await call(client, "memory_run_agents", space=space, agent="all", wait_s=WAIT_S)
    assert [r["agent"] for r in runs["runs"]] == ["curator", "connector", "digest"]
    assert {r["status"] for r in runs["runs"]} == {"succeeded"}
    created = sum(r["stats"]["insights"]["created"] for r in runs["runs"])
    listed = await call(client, "memory_insights", space=space, limit=500)
    assert len(listed["items"]) == created > 0
    assert {i["run_id"] for i in listed["items"]} <= set(runs["run_ids"])
    digests = await call(client, "memory_insights", space=space, agent="digest", limit=500)
    assert digests["items"]
    assert {i["agent"] for i in digests["items"]} == {"digest"}

    recent = await client.read_resource(f"kenning://spaces/{space}/insights")
    shown = json.loads(recent.contents[0].text)  # type: ignore[union-attr]
    assert {i["id"] for i in shown} <= {i["id"] for i in listed["items"]}
    assert shown


async def _forget(client: Client, space: str, ids: list[str]) -> None:
    stats = await client.read_resource(f"kenning://spaces/{space}/stats")
    counts = json.loads(stats.contents[0].text)  # type: ignore[union-attr]
    assert counts["space"] == space
    assert counts["episodes"] == TURNS
    assert counts["entities"] > 0

    gone = await call(client, "memory_forget", space=space, kind="episode", id=ids[2])
    assert gone["episodes"] == 1
    found = await call(client, "memory_search", space=space, query="LGBTQ support group")
    assert ids[2] not in {e for h in found["results"] for e in h["episode_ids"]}
    text = await refused(client, "memory_forget", space=space, kind="episode", id=ids[2])
    assert "not found" in text

    facts = await call(client, "memory_search", space=space, query="Caroline", top_k=20)
    fact = next(h for h in facts["results"] if h["kind"] == "fact")
    assert (await call(client, "memory_forget", space=space, kind="fact", id=fact["id"]))[
        "facts"
    ] >= 1
    stats = await client.read_resource(f"kenning://spaces/{space}/stats")
    assert json.loads(stats.contents[0].text)["episodes"] == TURNS - 1  # type: ignore[union-attr]


async def _bad_input(client: Client, space: str) -> None:
    text = await refused(client, "memory_search", space="not a space!", query="x")
    assert "space" in text
    assert "pattern" in text
    text = await refused(client, "memory_insights", space=space, kind="gossip")
    assert "kind" in text
    assert "must be one of" in text
    text = await refused(client, "memory_graph", space=space, entity="Nobody At All")
    assert "not found" in text
    text = await refused(client, "memory_add", space=space, episodes=[{"content": "a\x00b"}])
    assert "episodes.0.content" in text


async def exercise(client: Client, space: str) -> None:
    """List the tools and call each one on real turns, with real assertions."""
    listed = await client.list_tools()
    tools = {t.name: t for t in listed.tools}
    assert tuple(tools) == TOOL_NAMES
    for name, tool in tools.items():
        assert len(tool.description or "") > 40, name
        if name != "memory_job":
            assert "space" in tool.input_schema["required"], name
            assert tool.input_schema["properties"]["space"]["pattern"]
        assert tool.output_schema is not None
    templates = await client.list_resource_templates()
    assert {t.uri_template for t in templates.resource_templates} == {
        "kenning://spaces/{space}/stats",
        "kenning://spaces/{space}/insights",
    }
    ids = await _remember(client, space)
    await _recall(client, space, ids)
    await _agents(client, space)
    await _forget(client, space, ids)
    await _bad_input(client, space)


# -- stdio -------------------------------------------------------------------


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENNING_")}
    env.update(KENNING_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.update(extra)
    return env


async def test_stdio_lists_and_calls_every_tool(tmp_path: Path) -> None:
    params = StdioServerParameters(command=str(KENNING), args=["mcp"], env=_env(tmp_path))
    async with Client(params, read_timeout_seconds=600) as client:
        await exercise(client, "conv-26")


def test_stdio_refuses_a_data_dir_another_kenning_owns(tmp_path: Path) -> None:
    with serve(load_settings(data_dir=tmp_path)):
        done = subprocess.run(
            [str(KENNING), "mcp"],
            env=_env(tmp_path),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 1
    assert done.stdout == ""  # stdout is the MCP channel: nothing but messages
    assert "another Kenning" in done.stderr
    assert "is serving data dir" in done.stderr


def test_stdio_refuses_an_unknown_key_when_keys_are_set(tmp_path: Path) -> None:
    env = _env(tmp_path, KENNING_API_KEYS=json.dumps({KEY_A: "acme"}), KENNING_API_KEY="sk-wrong")
    done = subprocess.run(
        [str(KENNING), "mcp"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "KENNING_API_KEY" in done.stderr
    assert "sk-wrong" not in done.stderr


# -- streamable HTTP -----------------------------------------------------------


@pytest.fixture(scope="module")
def keyed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app with two tenants' keys, served on 127.0.0.1."""
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("mcp-http"), api_keys={KEY_A: "acme", KEY_B: "globex"}
    )
    with serve(settings) as url:
        yield url


@asynccontextmanager
async def http_client(
    url: str, key: str | None, headers: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    """An MCP client of ``url``/mcp sending ``key`` as its bearer token (or
    else ``headers``)."""
    if headers is None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
    timeout = httpx2.Timeout(30, read=600)
    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
    ):
        yield client


async def test_http_lists_and_calls_every_tool_in_the_keys_tenant(keyed_url: str) -> None:
    async with http_client(keyed_url, KEY_A) as client:
        await exercise(client, "conv-26")
    # The same space in another tenant is another memory.
    async with http_client(keyed_url, KEY_B) as other:
        found = await call(other, "memory_search", space="conv-26", query="LGBTQ support group")
        assert found["results"] == []
        text = await refused(other, "memory_graph", space="conv-26", entity="Caroline")
        assert "not found" in text


async def test_search_and_context_include_what_a_team_shares(keyed_url: str) -> None:
    # The tools read through the same recall as REST: what another space
    # shares with the reader's team comes back, marked, unless turned off.
    tag = uuid.uuid4().hex[:8]
    owner, reader = f"mcp-owner-{tag}", f"mcp-reader-{tag}"
    text = f"Zora lives in Reykjavik {tag}"
    headers = {"Authorization": f"Bearer {KEY_A}"}
    async with httpx.AsyncClient(base_url=keyed_url, headers=headers, timeout=60) as api:
        fact = {"subject": "Zora", "predicate": "lives_in", "object": "Reykjavik", "text": text}
        added = await api.post("/v1/facts", json={"space": owner, "facts": [fact]})
        assert added.status_code == 201, added.text
        made = await api.post("/v1/teams", json={"name": "Friends", "space": owner})
        team = made.json()["id"]
        invite = await api.post(f"/v1/teams/{team}/invites", json={})
        code = invite.json()["invite_code"]
        joined = await api.post("/v1/teams/join", json={"invite_code": code, "space": reader})
        assert joined.status_code == 200, joined.text
        body = {"space": owner, "entity": "Zora"}
        shared = await api.post(f"/v1/teams/{team}/share", json=body)
        assert shared.status_code == 201, shared.text
    query = f"Where does Zora live? {tag}"
    async with http_client(keyed_url, KEY_A) as client:
        found = await call(client, "memory_search", space=reader, query=query)
        hits = [h for h in found["results"] if h["text"] == text]
        assert [h["shared_from"] for h in hits] == [{"space": owner, "team": team}]
        alone = await call(client, "memory_search", space=reader, query=query, include_shared=False)
        assert all(h["text"] != text for h in alone["results"])
        block = await call(client, "memory_context", space=reader, query=query)
        assert text in block["context"]


@pytest.mark.parametrize("key", [None, "sk-wrong"])
async def test_http_refuses_a_missing_or_bad_key(keyed_url: str, key: str | None) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    async with httpx.AsyncClient(timeout=30) as raw:
        answer = await raw.post(f"{keyed_url}/mcp", json=body, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["error"]["code"] == "unauthorized"
    # The SDK's client gets no further than its first message.
    with pytest.raises(ExceptionGroup) as caught:
        async with http_client(keyed_url, key) as client:
            await client.list_tools()
    assert caught.group_contains(MCPError, depth=None)


def test_http_without_keys_is_refused_unless_bound_to_loopback(tmp_path: Path) -> None:
    # The app believes it is bound to every interface (KENNING_HOST); the test
    # server itself listens on 127.0.0.1 only.
    open_settings = load_settings(data_dir=tmp_path / "open", host="0.0.0.0")
    with serve(open_settings) as url:
        answer = httpx.post(f"{url}/mcp", json={}, timeout=30)
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "mcp_disabled"
        assert httpx.get(f"{url}/healthz", timeout=30).status_code == 200
    off = load_settings(data_dir=tmp_path / "off", mcp_http=False)
    with serve(off) as url:
        assert httpx.post(f"{url}/mcp", json={}, timeout=30).status_code == 404


# -- the README's client configurations ---------------------------------------


def _readme_configs() -> list[dict[str, Any]]:
    """The JSON blocks of the README's MCP section (Claude Desktop, Cursor)."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text.split("\n## MCP\n", 1)[1].split("\n## ", 1)[0]
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", section, re.S)]


async def test_the_readme_configs_run_as_written(keyed_url: str, tmp_path: Path) -> None:
    desktop, cursor = (c["mcpServers"]["kenning"] for c in _readme_configs())
    # stdio: the command, args and env as written; only the paths are the test's.
    env = {**desktop["env"], "KENNING_DATA_DIR": str(tmp_path)}
    assert set(env) == set(desktop["env"])
    params = StdioServerParameters(
        command=str(KENNING), args=desktop["args"], env=_env(tmp_path, **env)
    )
    async with Client(params, read_timeout_seconds=600) as client:
        assert tuple(t.name for t in (await client.list_tools()).tools) == TOOL_NAMES
    # HTTP: the URL on the test server's port, the header with a real key.
    base, path = cursor["url"].rsplit("/", 1)
    assert (base, path) == ("http://127.0.0.1:8420", "mcp")
    headers = {k: v.replace("sk-your-key", KEY_A) for k, v in cursor["headers"].items()}
    async with http_client(keyed_url, None, headers) as client:
        assert tuple(t.name for t in (await client.list_tools()).tools) == TOOL_NAMES
        found = await call(client, "memory_search", space="readme", query="anything")
        assert found["results"] == []

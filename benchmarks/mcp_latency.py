"""What MCP adds to a call: the same search and context asked over REST and
over MCP (streamable HTTP at /mcp, and stdio through ``kenning mcp``); prints JSON.

    python benchmarks/mcp_latency.py [--turns 150] [--questions 60]

Starts ``kenning serve`` (embedded FalkorDB, a temporary data dir, 127.0.0.1,
one API key), stores the first ``--turns`` turns of LoCoMo conv-26 over REST
and waits for extraction; then asks each of the first ``--questions`` questions
of the conversation, one at a time after three warm-ups, as ``POST
/v1/search`` and ``POST /v1/context`` and as the ``memory_search`` and
``memory_context`` tools over one MCP session. The stdio figures come from a
``kenning mcp`` on a copy of the data dir (the running server owns the
original). Saves the JSON to ``benchmarks/results/mcp_latency.json`` too.
Not a test: numbers vary with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from kenning.importers.locomo import read_locomo
from load import DEFAULT_DATA, questions_of, started_server
from stats import percentile

KEY = "sk-bench"
SPACE = "conv-26"
WARM_UP = 3


def summary(ms: list[float]) -> dict[str, float]:
    """p50/p95/mean in ms, rounded."""
    return {
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "mean_ms": round(sum(ms) / len(ms), 1),
    }


async def timed(ask: Callable[[str], Awaitable[Any]], questions: list[str]) -> list[float]:
    """ms per question, one at a time, after the warm-ups."""
    out = []
    for i, question in enumerate(questions[:WARM_UP] + questions):
        t0 = time.perf_counter()
        await ask(question)
        if i >= WARM_UP:
            out.append((time.perf_counter() - t0) * 1000)
    return out


def store_turns(url: str, turns: int) -> None:
    """The first ``turns`` turns of conv-26, over REST, extracted."""
    conversation = next(iter(read_locomo(DEFAULT_DATA, SPACE)))
    episodes = [e.model_dump(mode="json", exclude_none=True) for e in conversation.episodes]
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        body = {"space": SPACE, "episodes": episodes[:turns]}
        job = client.post("/v1/episodes", json=body).raise_for_status().json()["job_id"]
        while not client.get(f"/v1/jobs/{job}").raise_for_status().json()["finished"]:
            time.sleep(0.5)


async def over_rest(url: str, questions: list[str]) -> dict[str, Any]:
    """Search and context as REST calls."""
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:

        async def search(q: str) -> None:
            body = {"space": SPACE, "query": q}
            (await client.post("/v1/search", json=body)).raise_for_status()

        async def context(q: str) -> None:
            body = {"space": SPACE, "query": q, "token_budget": 500}
            (await client.post("/v1/context", json=body)).raise_for_status()

        return {
            "search": summary(await timed(search, questions)),
            "context": summary(await timed(context, questions)),
        }


async def over_mcp(client: Client, questions: list[str]) -> dict[str, Any]:
    """Search and context as MCP tool calls in one session."""

    async def tool(name: str, **args: Any) -> None:
        result = await client.call_tool(name, {"space": SPACE, **args})
        if result.is_error:
            raise RuntimeError(f"{name}: {result.content}")

    async def search(q: str) -> None:
        await tool("memory_search", query=q)

    async def context(q: str) -> None:
        await tool("memory_context", query=q, token_budget=500)

    return {
        "search": summary(await timed(search, questions)),
        "context": summary(await timed(context, questions)),
    }


async def over_http_mcp(url: str, questions: list[str]) -> dict[str, Any]:
    """MCP over streamable HTTP at /mcp."""
    headers = {"Authorization": f"Bearer {KEY}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=120)) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
    ):
        return await over_mcp(client, questions)


async def over_stdio(data_dir: Path, questions: list[str]) -> dict[str, Any]:
    """MCP over stdio: ``kenning mcp`` on ``data_dir``."""
    env = {**os.environ, "KENNING_DATA_DIR": str(data_dir), "KENNING_API_KEY": KEY}
    env["KENNING_API_KEYS"] = json.dumps({KEY: "default"})
    env["KENNING_LOG_LEVEL"] = "WARNING"
    kenning = str(Path(sys.executable).parent / "kenning")
    params = StdioServerParameters(command=kenning, args=["mcp"], env=env)
    async with Client(params, read_timeout_seconds=600) as client:
        return await over_mcp(client, questions)


def main() -> None:
    """Run the comparison and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=150)
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    questions = questions_of(DEFAULT_DATA, SPACE)[: args.questions]
    root = Path(tempfile.mkdtemp(prefix="kenning-mcp-bench-"))
    keys = {"KENNING_API_KEYS": json.dumps({KEY: "default"})}
    try:
        with started_server(root / "data", keys) as url:
            t0 = time.monotonic()
            store_turns(url, args.turns)
            ingest_s = time.monotonic() - t0
            rest = asyncio.run(over_rest(url, questions))
            http_mcp = asyncio.run(over_http_mcp(url, questions))
        # Stopped: the copy is consistent (append-only file flushed on exit).
        shutil.copytree(root / "data", root / "copy", ignore=shutil.ignore_patterns("*.sock"))
        stdio = asyncio.run(over_stdio(root / "copy", questions))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result = {
        "cpu_count": os.cpu_count(),
        "turns": args.turns,
        "questions": len(questions),
        "ingest_s": round(ingest_s, 1),
        "rest": rest,
        "mcp_http": http_mcp,
        "mcp_stdio": stdio,
    }
    text = json.dumps(result, indent=2)
    (Path(__file__).parent / "results" / "mcp_latency.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

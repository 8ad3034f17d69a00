"""What ``Kenning.wrap`` adds to a chat call, and what it costs with Kenning down; prints JSON.

    python benchmarks/sdk_wrap.py [--calls 200] [--url URL]

An ``openai.OpenAI`` client talks to the stand-in chat server of the tests
(``tests/llm_chat_stand_in.py``: recorded answers in OpenAI's wire format) on
127.0.0.1, so the chat call itself costs a loopback round trip. Without
``--url`` it starts ``kenning serve`` (embedded FalkorDB, a temporary data
dir) and seeds a space with 40 facts and 30 episodes. Then, ``--calls`` each:

1. ``plain``: the unwrapped client;
2. ``context_without_deadline``: ``POST /v1/context`` alone, as the server
   answers it;
3. ``wrapped_recall_only``: the client wrapped with ``record=False`` (recall
   under ``--deadline-ms``, default 300); ``added_*`` compare it with plain;
4. ``wrapped_recording``: wrapped, turns recorded too (the server extracts
   each one meanwhile, which slows its searches on a small machine);
5. ``kenning_down``: wrapped, Kenning at a port where nothing listens;
6. ``kenning_silent``: wrapped, Kenning at a port that accepts and never
   answers (each call waits the whole deadline; calls/10 of them).

``with_memory`` counts the calls whose request carried the memory block;
``queued_turns`` the turns waiting for Kenning at the end of a phase.

Latencies are ms (p50 / p95 / max). Not a test: numbers vary with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openai
import uvicorn

from load import free_port, started_server
from stats import percentile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.llm_chat_stand_in import chat_stand_in

from kenning.client import Kenning, memory_of
from kenning.client.memory import WrapOptions

SPACE = "bench-wrap"
QUESTIONS = [
    "Which pastry should I try near where I live?",
    "What was the name of my dog again?",
    "Remind me where my sister works.",
    "What did I say about my marathon training?",
]


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "max_ms": round(max(ms), 2),
    }


def timed(calls: int, one: Callable[[int], Any]) -> list[float]:
    out = []
    for i in range(calls):
        started = time.perf_counter()
        one(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


@contextmanager
def stand_in() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    app, seen = chat_stand_in()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.should_exit = True
        thread.join(10)


def seed(url: str) -> None:
    """40 facts and 30 episodes about one user, the episodes extracted."""
    people = ["sister", "brother", "cousin", "neighbour", "boss"]
    places = ["Lisbon", "Porto", "Berlin", "Austin", "Osaka", "Quito", "Accra", "Oslo"]
    facts = [
        {
            "subject": f"Dana's {who}",
            "predicate": "lives_in",
            "object": where,
            "text": f"Dana's {who} lives in {where}.",
        }
        for who in people
        for where in places
    ]
    said = [
        f"Day {n}: I ran {n + 3} km for the marathon and ate a pastel de nata." for n in range(30)
    ]
    with Kenning(url) as kenning:
        if kenning.facts(SPACE, limit=1).items:
            return
        kenning.add_facts(SPACE, facts)
        job = kenning.add_episodes(SPACE, [{"content": c, "speaker": "Dana"} for c in said])
        kenning.wait_for_job(job.job_id, timeout_s=900)


def phase(llm: openai.OpenAI, calls: int) -> list[float]:
    def one(i: int) -> None:
        llm.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]}],
        )

    one(0)  # connections open, first-use costs paid
    return timed(calls, one)


def with_memory(seen: list[dict[str, Any]], since: int) -> int:
    """Requests the stand-in received since ``since`` that carried memory."""
    return sum(any(m["role"] == "system" for m in body["messages"]) for body in seen[since:])


def wrapped_phase(
    url: str, llm: openai.OpenAI, seen: list[dict[str, Any]], calls: int, **options: Any
) -> dict[str, Any]:
    """``calls`` chat calls through ``Kenning(url).wrap(llm, ...)``; their
    latencies, how many carried memory, and the turns left queued."""
    wrapped = Kenning(url).wrap(llm, space=SPACE, **options)
    since = len(seen) + 1  # after the warm-up call
    result: dict[str, Any] = summary(phase(wrapped, calls))
    result["with_memory"] = with_memory(seen, since)
    result["queued_turns"] = memory_of(wrapped).recorder.pending
    memory_of(wrapped).close(timeout_s=0.1)
    return result


def measure(
    url: str, chat: str, seen: list[dict[str, Any]], calls: int, deadline_ms: float
) -> dict[str, Any]:
    def client() -> openai.OpenAI:
        return openai.OpenAI(api_key="sk-bench", base_url=f"{chat}/v1", max_retries=0)

    out: dict[str, Any] = {"plain": summary(phase(client(), calls))}
    with Kenning(url) as kenning:
        options = WrapOptions(space=SPACE, deadline_ms=deadline_ms)
        ask = options.token_budget, options.max_items
        direct = timed(calls, lambda i: kenning.context(SPACE, QUESTIONS[i % 4], *ask))
    out["context_without_deadline"] = summary(direct)
    # Recall only first: recording makes the server extract every turn, and
    # that backlog competes with search on a small machine.
    out["wrapped_recall_only"] = wrapped_phase(
        url, client(), seen, calls, deadline_ms=deadline_ms, record=False
    )
    for key in ("p50_ms", "p95_ms"):
        added = out["wrapped_recall_only"][key] - out["plain"][key]
        out[f"added_{key}"] = round(added, 2)
    out["wrapped_recording"] = wrapped_phase(url, client(), seen, calls, deadline_ms=deadline_ms)
    nowhere = f"http://127.0.0.1:{free_port()}"
    out["kenning_down"] = wrapped_phase(nowhere, client(), seen, calls, deadline_ms=deadline_ms)
    with socket.create_server(("127.0.0.1", 0)) as hung:
        where = f"http://127.0.0.1:{hung.getsockname()[1]}"
        few = max(10, calls // 10)
        out["kenning_silent"] = wrapped_phase(where, client(), seen, few, deadline_ms=deadline_ms)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--url", help="A running Kenning; default: start one.")
    parser.add_argument("--deadline-ms", type=float, default=300.0, help="The wrap's deadline.")
    args = parser.parse_args()
    with stand_in() as (chat, seen), tempfile.TemporaryDirectory() as tmp:
        if args.url:
            url = args.url
            seed(url)
            results = measure(url, chat, seen, args.calls, args.deadline_ms)
        else:
            with started_server(Path(tmp) / "data", {}) as url:
                seed(url)
                results = measure(url, chat, seen, args.calls, args.deadline_ms)
    report = {
        "benchmark": "sdk_wrap",
        "calls": args.calls,
        "deadline_ms": args.deadline_ms,
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

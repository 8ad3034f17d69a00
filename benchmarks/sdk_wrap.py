"""What ``Kenning.wrap`` adds to a chat call, and what it costs with Kenning down; prints JSON.

    python benchmarks/sdk_wrap.py [--calls 200] [--url URL]

An ``openai.OpenAI`` client talks to the stand-in chat server of the tests
(``tests/llm_chat_stand_in.py``: recorded answers in OpenAI's wire format) on
127.0.0.1, so the chat call itself costs a loopback round trip. Without
``--url`` it starts ``kenning serve`` (embedded FalkorDB, a temporary data
dir) and seeds a space with 40 facts and 30 episodes. Then, ``--calls`` each:

1. ``plain``: the unwrapped client;
2. ``wrapped``: the same client wrapped (recall under the 300 ms deadline,
   recording in the background), and ``recall`` alone (``POST /v1/context``);
3. ``kenning_down``: wrapped, Kenning at a port where nothing listens;
4. ``kenning_silent``: wrapped, Kenning at a port that accepts and never
   answers (each call waits the whole deadline).

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
def stand_in() -> Iterator[str]:
    app, _ = chat_stand_in()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
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


def measure(url: str, chat: str, calls: int) -> dict[str, Any]:
    def client() -> openai.OpenAI:
        return openai.OpenAI(api_key="sk-bench", base_url=f"{chat}/v1", max_retries=0)

    out: dict[str, Any] = {"plain": summary(phase(client(), calls))}
    wrapped = Kenning(url).wrap(client(), space=SPACE)
    out["wrapped"] = summary(phase(wrapped, calls))
    memory = memory_of(wrapped)
    options = WrapOptions(space=SPACE)
    recall = timed(calls, lambda i: memory.recall(options, QUESTIONS[i % len(QUESTIONS)]))
    out["recall"] = summary(recall)
    out["added_p50_ms"] = round(out["wrapped"]["p50_ms"] - out["plain"]["p50_ms"], 2)
    out["added_p95_ms"] = round(out["wrapped"]["p95_ms"] - out["plain"]["p95_ms"], 2)
    started = time.perf_counter()
    memory.recorder.flush(120)
    out["recorded_turns_flush_ms"] = round((time.perf_counter() - started) * 1000, 1)
    memory.close()

    down = Kenning(f"http://127.0.0.1:{free_port()}").wrap(client(), space=SPACE)
    out["kenning_down"] = summary(phase(down, calls))
    out["kenning_down"]["queued_turns"] = memory_of(down).recorder.pending
    memory_of(down).close(timeout_s=0.1)
    with socket.create_server(("127.0.0.1", 0)) as hung:
        where = f"http://127.0.0.1:{hung.getsockname()[1]}"
        silent = Kenning(where).wrap(client(), space=SPACE)
        out["kenning_silent"] = summary(phase(silent, max(10, calls // 10)))
        memory_of(silent).close(timeout_s=0.1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--url", help="A running Kenning; default: start one.")
    args = parser.parse_args()
    with stand_in() as chat, tempfile.TemporaryDirectory() as tmp:
        if args.url:
            url = args.url
            seed(url)
            results = measure(url, chat, args.calls)
        else:
            with started_server(Path(tmp) / "data", {}) as url:
                seed(url)
                results = measure(url, chat, args.calls)
    report = {
        "benchmark": "sdk_wrap",
        "calls": args.calls,
        "deadline_ms": WrapOptions(space=SPACE).deadline_ms,
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""What the chat proxy (``POST /v1/chat/completions``) adds to a chat call; prints JSON.

    python benchmarks/proxy.py [--calls 200]

The stand-in chat server of the tests (``tests/llm_chat_stand_in.py``:
recorded answers in OpenAI's wire format) runs on 127.0.0.1; ``kenning
serve`` (embedded FalkorDB, a temporary data dir) runs with its proxy
pointed at it, and a space is seeded with 40 facts and 30 episodes (as
``benchmarks/sdk_wrap.py``). The same ``openai.OpenAI`` client code then
makes ``--calls`` calls each way:

1. ``direct``: to the stand-in itself;
2. ``proxy_passthrough``: through Kenning with ``X-Kenning-Inject: false``
   and ``X-Kenning-Record: false`` (the proxy's own hop);
3. ``proxy_memory``: memory injected, nothing recorded;
4. ``proxy_full``: memory injected and the turn recorded (the server then
   extracts every turn in the background, on the same cores);
5. ``direct_stream`` / ``proxy_stream``: streamed, to the last chunk, no
   memory, nothing recorded.

``overhead_*`` are each proxied phase's p50 / p95 minus the direct one's.
Latencies are ms (p50 / p95 / max). Not a test: numbers vary with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import openai

from load import started_server
from sdk_wrap import QUESTIONS, SPACE, seed, stand_in, summary, timed

OFF = {"X-Kenning-Inject": "false", "X-Kenning-Record": "false"}


def phase(llm: openai.OpenAI, calls: int, stream: bool = False) -> list[float]:
    def one(i: int) -> None:
        messages = [{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]}]
        if stream:
            for _ in llm.chat.completions.create(
                model="gpt-4o-mini", messages=messages, stream=True
            ):
                pass
        else:
            llm.chat.completions.create(model="gpt-4o-mini", messages=messages)

    one(0)  # connections open, first-use costs paid
    return timed(calls, one)


def client(base: str, **headers: str) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="sk-bench",
        base_url=f"{base}/v1",
        max_retries=0,
        default_headers={"X-Kenning-Space": SPACE, **headers},
    )


def measure(url: str, chat: str, seen: list[dict[str, Any]], calls: int) -> dict[str, Any]:
    out: dict[str, Any] = {"direct": summary(phase(client(chat), calls))}
    out["proxy_passthrough"] = summary(phase(client(url, **OFF), calls))
    since = len(seen)
    out["proxy_memory"] = summary(phase(client(url, **{"X-Kenning-Record": "false"}), calls))
    out["proxy_memory"]["with_memory"] = sum(
        sum(m["role"] == "system" for m in body["messages"]) for body in seen[since:]
    )
    out["proxy_full"] = summary(phase(client(url), calls))
    out["direct_stream"] = summary(phase(client(chat), calls, stream=True))
    out["proxy_stream"] = summary(phase(client(url, **OFF), calls, stream=True))
    pairs = [
        ("proxy_passthrough", "direct"),
        ("proxy_memory", "direct"),
        ("proxy_full", "direct"),
        ("proxy_stream", "direct_stream"),
    ]
    for proxied, direct in pairs:
        for key in ("p50_ms", "p95_ms"):
            added = out[proxied][key] - out[direct][key]
            out[f"overhead_{proxied}_{key}"] = round(added, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with stand_in() as (chat, seen), tempfile.TemporaryDirectory() as tmp:
        env = {
            "KENNING_PROXY_BASE_URL": f"{chat}/v1",
            "KENNING_PROXY_API_KEY": "sk-bench",
        }
        with started_server(Path(tmp) / "data", env) as url:
            seed(url)
            results = measure(url, chat, seen, args.calls)
    report = {
        "benchmark": "proxy",
        "calls": args.calls,
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(main())

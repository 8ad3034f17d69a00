"""Webhook delivery on the embedded FalkorDB: how long from a supersession
to its signed event at a local receiver (p50/p95 over ``--events`` changes,
one at a time), and how fast a backlog of outbox rows drains.

Prints JSON (with ``os.cpu_count()``) and saves it as
``benchmarks/results/webhooks.json``; ``python benchmarks/webhooks.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kenning.api.runtime import Runtime
from kenning.config import load_settings
from kenning.domain.models import FactCreate, Scope, utcnow
from kenning.webhooks.events import Event, event_id
from kenning.webhooks.models import WebhookCreate


class Arrivals:
    """perf_counter() of each event id's first arrival at the receiver."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()


def receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with arrivals.lock:
                arrivals.at.setdefault(self.headers["Kenning-Event-Id"], time.perf_counter())
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    # The default listen backlog (5) drops connections of a batch of 16 sent
    # at once; the kernel retries them after 1 s.
    class Server(ThreadingHTTPServer):
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


async def until(arrivals: Arrivals, ids: set[str], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not ids <= arrivals.at.keys():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(ids - arrivals.at.keys())} events never arrived")
        await asyncio.sleep(0.002)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def run(events: int, backlog: int) -> dict[str, Any]:
    arrivals = Arrivals()
    server = receiver(arrivals)
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), webhook_allow_private=True)
        runtime = await Runtime.start(settings)
        await runtime.ready()
        scope = Scope(tenant="bench", space="webhooks")
        request = WebhookCreate(url=url, events=["fact.superseded", "job.completed"])
        await runtime.webhooks.create(scope.tenant, request)
        latencies = []
        for i in range(events):
            moves = [
                FactCreate(subject=f"P{i}", predicate="lives_in", object=city, valid_from=when)
                for city, when in (
                    ("Oslo", "2020-01-01T00:00:00Z"),
                    ("Rome", "2022-01-01T00:00:00Z"),
                )
            ]
            started = time.perf_counter()
            before = set(arrivals.at)
            await runtime.ingest.add_facts(scope, moves)
            while set(arrivals.at) == before:  # noqa: ASYNC110 (another thread writes it)
                await asyncio.sleep(0.002)
            [new] = set(arrivals.at) - before
            latencies.append((arrivals.at[new] - started) * 1000)
        # A backlog: rows written at once, drained by the worker's batches.
        rows = [
            Event(event_id("bench", str(n)), "job.completed", utcnow(), {"n": n})
            for n in range(backlog)
        ]
        spent: dict[str, list[float]] = {}
        runtime.store.set_observer(lambda name, s, rows, err: spent.setdefault(name, []).append(s))
        started = time.perf_counter()
        await runtime.outbox.publish(scope, rows)
        await until(arrivals, {e.id for e in rows})
        drain_s = time.perf_counter() - started
        queries = {k: {"calls": len(v), "s": round(sum(v), 2)} for k, v in spent.items()}
        await runtime.stop()
    server.shutdown()
    return {
        "benchmark": "webhooks",
        "cores": os.cpu_count(),
        "engine": "falkordb",
        "change_to_receipt_ms": {
            "events": len(latencies),
            "p50": round(statistics.median(latencies), 1),
            "p95": round(percentile(latencies, 95), 1),
            "max": round(max(latencies), 1),
        },
        "backlog": {
            "events": backlog,
            "drain_s": round(drain_s, 2),
            "per_s": round(backlog / drain_s, 1),
            "batch": settings.webhook_batch,
            "store_queries": queries,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--backlog", type=int, default=300)
    args = parser.parse_args()
    text = json.dumps(asyncio.run(run(args.events, args.backlog)), indent=2)
    print(text)
    (Path(__file__).parent / "results" / "webhooks.json").write_text(text + "\n")


if __name__ == "__main__":
    main()

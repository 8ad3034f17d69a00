"""Ingest one LoCoMo conversation and time search over it; prints JSON.

    python benchmarks/ingest_search.py [--data PATH] [--conversation conv-26]

Runs in-process on the embedded FalkorDB in a temporary data dir, through the
normal ingest path (episodes → worker → graph) and the normal search path
(query embedding included). Every question of the conversation is asked once
after two warm-up queries. Not a test: numbers vary with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from jobs import settle
from kenning.api.runtime import Runtime
from kenning.config import load_settings
from kenning.domain.models import EpisodeCreate, Scope
from kenning.importers.locomo import read_locomo
from stats import percentile

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
)


def load(data: Path, conversation: str) -> tuple[list[EpisodeCreate], list[str]]:
    """The conversation's turns as episodes, and its questions."""
    conv = read_locomo(data, conversation)[0]
    item = next(i for i in json.loads(data.read_text()) if i["sample_id"] == conversation)
    return conv.episodes, [q["question"] for q in item["qa"]]


async def run(
    episodes: list[EpisodeCreate], questions: list[str], conversation: str
) -> dict[str, Any]:
    """Ingest the episodes into a fresh space and time every question's search."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        runtime = await Runtime.start(load_settings(data_dir=Path(tmp)))
        await runtime.ready()
        startup_s = time.perf_counter() - started
        scope = Scope(tenant="bench", space=conversation)
        started = time.perf_counter()
        accepted = await runtime.ingest.submit(scope, episodes)
        failed = await settle(runtime.store, "bench", [accepted.job_id], poll_s=0.1)
        ingest_s = time.perf_counter() - started
        stats = await runtime.store.space_stats(scope)
        for question in questions[:2]:
            await runtime.search.search(scope, question, 10)
        latencies = []
        for question in questions:
            t0 = time.perf_counter()
            await runtime.search.search(scope, question, 10)
            latencies.append((time.perf_counter() - t0) * 1000)
        await runtime.stop()
    return {
        "benchmark": "ingest_search",
        "cores": os.cpu_count(),
        "conversation": conversation,
        "episodes": len(episodes),
        "failed": failed,
        "graph": {"entities": stats.entities, "facts": stats.facts},
        "startup_s": round(startup_s, 2),
        "ingest_s": round(ingest_s, 2),
        "episodes_per_s": round(len(episodes) / ingest_s, 1),
        "search_ms": {
            "queries": len(latencies),
            "p50": round(statistics.median(latencies), 1),
            "p95": round(percentile(latencies, 95), 1),
            "max": round(max(latencies), 1),
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    """Parse arguments, run, print JSON and save it under benchmarks/results/."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--conversation", default="conv-26")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    episodes, questions = load(args.data, args.conversation)
    result = asyncio.run(run(episodes, questions, args.conversation))
    text = json.dumps(result, indent=2)
    print(text)
    out = Path(__file__).parent / "results" / f"ingest_search-{args.conversation}.json"
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()

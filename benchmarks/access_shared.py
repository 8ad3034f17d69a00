"""Search p95 on LoCoMo conv-26 with and without one entity shared from
another space; prints JSON.

    python benchmarks/access_shared.py [--engine falkordb|neo4j] [--data PATH]

Conv-26 is ingested into space ``conv-26`` through the normal ingest path;
another space, ``colleague``, holds :data:`SHARED_FACTS` structured facts about
one entity (``Caroline``, also conv-26's main speaker) and shares it with a
team both spaces belong to. Every question of the conversation is then asked
once without shared reads (``include_shared=false``: no scope query) and once
with them (the shared scope resolved per request, as the API does, and the
shared facts joined to the fact channels). Not a test: numbers vary with the
machine and its load, which is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import engines
from jobs import settle
from kenning.access.principal import Principal
from kenning.api.runtime import Runtime
from kenning.config import load_settings
from kenning.domain.models import EpisodeCreate, FactCreate, Scope
from kenning.importers.locomo import read_locomo
from stats import percentile

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
)
#: Facts of the sharing space about the shared entity.
SHARED_FACTS = 60
TENANT = "bench"


def load(data: Path, conversation: str) -> tuple[list[EpisodeCreate], list[str]]:
    """The conversation's turns as episodes, and its questions."""
    conv = read_locomo(data, conversation)[0]
    item = next(i for i in json.loads(data.read_text()) if i["sample_id"] == conversation)
    return conv.episodes, [q["question"] for q in item["qa"]]


async def _ingest(runtime: Runtime, scope: Scope, episodes: list[EpisodeCreate]) -> float:
    started = time.perf_counter()
    accepted = await runtime.ingest.submit(scope, episodes)
    await settle(runtime.store, TENANT, [accepted.job_id], poll_s=0.2)
    return time.perf_counter() - started


async def _share(runtime: Runtime, reader: Scope) -> int:
    """The colleague's facts about Caroline, shared with a team of both spaces;
    returns how many facts the reader then may read through it."""
    colleague = Scope(tenant=TENANT, space="colleague")
    facts = [
        FactCreate(
            subject="Caroline",
            predicate=f"noted_{i % 12}",
            object=f"Topic {i}",
            text=f"Caroline mentioned topic {i} at the support group meeting number {i}",
        )
        for i in range(SHARED_FACTS)
    ]
    await runtime.ingest.add_facts(colleague, facts)
    admin = Principal(TENANT, "admin", None, None)
    team = await runtime.teams.create(admin, "book club", colleague.space)
    await runtime.teams.add_member(admin, team.id, reader.space)
    await runtime.teams.share(admin, team.id, colleague.space, "Caroline", 1)
    return len((await runtime.sharing.scope(reader)).facts)


async def _latencies(
    runtime: Runtime, scope: Scope, questions: list[str], shared: bool
) -> tuple[list[float], int]:
    times, hits_shared = [], 0
    for question in questions:
        t0 = time.perf_counter()
        scoped = await runtime.sharing.scope(scope, shared)
        hits = await runtime.search.search(scope, question, 10, shared=scoped)
        times.append((time.perf_counter() - t0) * 1000)
        hits_shared += sum(1 for h in hits if h.shared_from is not None)
    return times, hits_shared


def _summary(times: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(times), 1),
        "p95": round(percentile(times, 95), 1),
        "max": round(max(times), 1),
    }


async def run(where: engines.Target, data: Path, conversation: str) -> dict[str, Any]:
    """Ingest, share, and time every question without and with shared reads."""
    episodes, questions = load(data, conversation)
    runtime = await Runtime.start(load_settings(**where.settings))
    try:
        await runtime.ready()
        scope = Scope(tenant=TENANT, space=conversation)
        ingest_s = await _ingest(runtime, scope, episodes)
        readable = await _share(runtime, scope)
        for question in questions[:3]:  # warm-up: models, plans, caches
            await runtime.search.search(scope, question, 10)
        without, _ = await _latencies(runtime, scope, questions, shared=False)
        with_shared, shared_hits = await _latencies(runtime, scope, questions, shared=True)
        stats = await runtime.store.space_stats(scope)
    finally:
        await runtime.stop()
    return {
        "benchmark": "access_shared",
        "engine": where.engine,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "conversation": conversation,
        "graph": {"episodes": stats.episodes, "entities": stats.entities, "facts": stats.facts},
        "ingest_s": round(ingest_s, 1),
        "shared_entity": "Caroline",
        "shared_facts_readable": readable,
        "queries": len(questions),
        "search_ms_without_shared": _summary(without),
        "search_ms_with_shared": _summary(with_shared),
        "shared_hits_in_top10": shared_hits,
    }


def main() -> None:
    """Parse arguments, run, print JSON and save it under benchmarks/results/."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=engines.ENGINES, default="falkordb")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--conversation", default="conv-26")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = args.out or Path(__file__).parent / "results" / f"access_shared-{args.engine}.json"

    async def work(where: engines.Target) -> dict[str, Any]:
        return await run(where, args.data, args.conversation)

    engines.emit(engines.run_on(args.engine, None, work), out)


if __name__ == "__main__":
    main()

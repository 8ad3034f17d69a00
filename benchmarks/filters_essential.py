"""Essential memory (cold vs cached) and category-filter cost; prints JSON.

    python benchmarks/filters_essential.py [--engine falkordb|neo4j] [--facts 3000]

One space gets ``--facts`` structured facts of people (essential predicates
and others) tagged with one of four agents, three apps and ten runs. Then:
``GET /v1/essential``'s service cold (a fact is written before each call, so
the space changed) and cached (unchanged space: one marker query); the
space-change marker alone; and fact listing, timeline and search with no
filter, one filter and all three. Not a test: numbers vary with the machine
and its load, which is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import engines
from kenning.api.runtime import Runtime
from kenning.config import load_settings
from kenning.domain.models import CategoryFilter, FactCreate, Scope
from stats import percentile

TENANT = "bench"
AGENTS = ("planner", "coder", "tutor", "scribe")
APPS = ("web", "mobile", "cli")
PREDICATES = ("lives_in", "works_at", "likes", "has_pet", "visited", "plays", "made", "owns")
REPEAT = 20


def _facts(n: int, offset: int = 0) -> list[FactCreate]:
    return [
        FactCreate(
            subject=f"Person {i % 300}",
            predicate=PREDICATES[i % len(PREDICATES)],
            object=f"Thing {i}",
            agent_id=AGENTS[i % len(AGENTS)],
            app_id=APPS[i % len(APPS)],
            run_id=f"run-{i % 10}",
        )
        for i in range(offset, offset + n)
    ]


def _summary(times: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(times), 2), "p95": round(percentile(times, 95), 2)}


async def _time(
    call: Callable[[], Awaitable[Any]], before: Callable[[], Awaitable[Any]] | None = None
) -> dict[str, float]:
    times = []
    for _ in range(REPEAT):
        if before is not None:
            await before()
        t0 = time.perf_counter()
        await call()
        times.append((time.perf_counter() - t0) * 1000)
    return _summary(times)


async def run(where: engines.Target, facts: int) -> dict[str, Any]:
    """Write the space, then time essential memory and the filtered reads."""
    runtime = await Runtime.start(load_settings(**where.settings))
    try:
        await runtime.ready()
        scope = Scope(tenant=TENANT, space="bench-essential")
        t0 = time.perf_counter()
        for start in range(0, facts, 500):
            await runtime.ingest.add_facts(scope, _facts(min(500, facts - start), start))
        write_s = time.perf_counter() - t0
        counter = iter(range(10**6))

        async def change() -> None:
            await runtime.ingest.add_facts(scope, _facts(1, facts + next(counter)))

        async def essential() -> None:
            await runtime.essential.essential(scope, 400)

        await essential()
        result: dict[str, Any] = {
            "essential_cold_ms": await _time(essential, change),
            "essential_cached_ms": await _time(essential),
            "space_marker_ms": await _time(lambda: runtime.store.space_marker(scope)),
        }
        filters = {
            "none": CategoryFilter(),
            "agent": CategoryFilter(agent_id="coder"),
            "agent+app+run": CategoryFilter(agent_id="coder", app_id="web", run_id="run-1"),
        }
        for name, cats in filters.items():
            result[f"list_facts_ms[{name}]"] = await _time(
                lambda c=cats: runtime.store.list_facts(scope, "", 500, categories=c)
            )
            result[f"timeline_ms[{name}]"] = await _time(
                lambda c=cats: runtime.temporal.timeline(scope, limit=500, categories=c)
            )
            result[f"search_ms[{name}]"] = await _time(
                lambda c=cats: runtime.search.search(scope, "Person 7 likes", 10, categories=c)
            )
        stats = await runtime.store.space_stats(scope)
    finally:
        await runtime.stop()
    return {
        "benchmark": "filters_essential",
        "engine": where.engine,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "graph": {"entities": stats.entities, "facts": stats.facts},
        "write_s": round(write_s, 1),
        "repeat": REPEAT,
        **result,
    }


def main() -> None:
    """Parse arguments, run, print JSON and save it under benchmarks/results/."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=engines.ENGINES, default="falkordb")
    parser.add_argument("--facts", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = args.out or Path(__file__).parent / "results" / f"filters_essential-{args.engine}.json"

    async def work(where: engines.Target) -> dict[str, Any]:
        return await run(where, args.facts)

    engines.emit(engines.run_on(args.engine, None, work), out)


if __name__ == "__main__":
    main()

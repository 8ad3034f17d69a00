"""What the agents' store costs: writing a run's insights (new, then the same
fingerprints again: updates in place), paging through them, and a lease
take/release round trip. Prints JSON. Not a test.

    python benchmarks/agents_store.py [--insights 2000] [--engine falkordb|neo4j|both]

Entities are written through the store port first (``--insights`` of them);
each insight is about two of them (``ABOUT``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engines
from kenning.agents.models import InsightDraft, fingerprint
from kenning.config import load_settings
from kenning.domain.ids import new_id
from kenning.domain.models import Scope, utcnow
from kenning.store.agent_runs_port import InsightFilter
from kenning.store.factory import create_store
from kenning.store.port import EntityRow, GraphWrite


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


async def measure(settings: dict[str, Any], n: int) -> dict[str, Any]:
    store = create_store(load_settings(**settings))
    await store.open()
    scope = Scope(tenant=f"bench-{new_id('t')}", space="agents")
    try:
        rows = [
            EntityRow(id=new_id("en"), key=f"e{i}", name=f"E{i}", type="Entity") for i in range(n)
        ]
        for i in range(0, n, 500):
            await store.write_graph(scope, GraphWrite(entities=rows[i : i + 500]), [], utcnow())
        ids = [e.id for e in (await store.list_entities(scope, "", n)).items]
        drafts = [
            InsightDraft(
                agent="curator",
                kind="duplicate_entities",
                title=f"E{i} and E{i + 1}",
                body="bench",
                score=0.5,
                fingerprint=fingerprint("duplicate_entities", ids[i], ids[(i + 1) % n]),
                entity_ids=[ids[i], ids[(i + 1) % n]],
            )
            for i in range(n)
        ]
        started = time.perf_counter()
        created = await store.write_insights(scope, "run_1", drafts, utcnow())
        create_ms = _ms(started)
        started = time.perf_counter()
        updated = await store.write_insights(scope, "run_2", drafts, utcnow())
        update_ms = _ms(started)
        pages, after = [], ""
        while True:
            started = time.perf_counter()
            page = await store.list_insights(scope, InsightFilter(), after, 100)
            pages.append(_ms(started))
            if page.next_after is None:
                break
            after = page.next_after
        leases = []
        for i in range(50):
            started, now = time.perf_counter(), utcnow()
            await store.take_agent_lease(scope, "curator", f"h{i}", now, now + timedelta(minutes=1))
            await store.release_agent_lease(scope, "curator", f"h{i}")
            leases.append(_ms(started))
        return {
            "insights": n,
            "write_new_ms": create_ms,
            "write_again_ms": update_ms,
            "created": created.created,
            "updated": updated.updated,
            "page_100_ms_median": statistics.median(pages),
            "pages": len(pages),
            "lease_take_release_ms_median": statistics.median(leases),
        }
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--insights", type=int, default=2000)
    parser.add_argument("--engine", choices=engines.CHOICES, default="falkordb")
    args = parser.parse_args()
    results = []
    for engine in engines.ENGINES if args.engine == "both" else (args.engine,):
        with tempfile.TemporaryDirectory() as tmp, engines.target(engine, Path(tmp)) as target:
            result = asyncio.run(measure(target.settings, args.insights))
            results.append({"engine": engine, **result})
    print(json.dumps({"cpu_count": os.cpu_count(), "results": results}, indent=2))


if __name__ == "__main__":
    main()

"""The memory agents on a real conversation: LoCoMo conv-26 (or another).

Ingests the conversation through the normal path (spaCy, MiniLM, the
worker) into its own space, runs each agent once without auto-fix (all of
:data:`~kenning.agents.registry.ANALYSES`, or those named by ``--agent``),
and prints JSON: per agent its run time, insights by kind and up to ten
examples spread over the kinds, each with its evidence (entity names,
episode texts with their dates, fact texts). ``--data-dir`` keeps the graph
between runs (episodes are idempotent, so a second run does not ingest
again). ``benchmarks/curator_locomo.py`` adds the curator's auto-fix and undo.

    python benchmarks/agents_locomo.py --data-dir /tmp/kenning-locomo
    python benchmarks/agents_locomo.py --engine neo4j --agent connector
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import engines
from benchmarks.jobs import settle

from kenning.agents.models import AgentContext, AgentName, InsightDraft
from kenning.agents.registry import ANALYSES
from kenning.api.runtime import Runtime
from kenning.config import load_settings
from kenning.domain.models import Scope
from kenning.importers.locomo import read_locomo

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/locomo/locomo_dev.json"
if not DEFAULT_DATA.exists():
    DEFAULT_DATA = Path("/work/shared/data/locomo/locomo_dev.json")
TENANT = "default"


async def ingest(runtime: Runtime, scope: Scope, data: Path, sample_id: str) -> dict[str, Any]:
    """Send the conversation's turns and wait until the worker has done them."""
    [conv] = read_locomo(data, sample_id)
    started = time.perf_counter()
    jobs, created = [], 0
    batch = runtime.settings.max_batch
    for start in range(0, len(conv.episodes), batch):
        accepted = await runtime.ingest.submit(scope, conv.episodes[start : start + batch])
        jobs.append(accepted.job_id)
        created += accepted.created
    await settle(runtime.store, TENANT, jobs, poll_s=0.2)
    seconds = round(time.perf_counter() - started, 1)
    return {"episodes": len(conv.episodes), "created": created, "seconds": seconds}


async def evidence(runtime: Runtime, scope: Scope, draft: InsightDraft) -> dict[str, Any]:
    """An insight with its evidence spelt out (names, episode texts, facts)."""
    store = runtime.store
    names = {}
    after = ""
    while True:  # small space: one walk of the entities gives every name
        page = await store.list_entities(scope, after, 500)
        names.update({e.id: e.name for e in page.items})
        if page.next_after is None:
            break
        after = page.next_after
    episodes = await store.get_episodes(scope, draft.episode_ids[:5])
    facts = await store.get_facts(scope, draft.fact_ids[:5])
    return {
        "kind": draft.kind,
        "title": draft.title,
        "score": round(draft.score, 3),
        "body": draft.body,
        "entities": [names.get(i, i) for i in draft.entity_ids[:12]],
        "facts": [f"{f.subject} | {f.predicate} | {f.object}" for f in facts],
        "episodes": [f"{e.occurred_at.date()} {e.speaker}: {e.content[:160]}" for e in episodes],
        "data": draft.data,
    }


def spread(drafts: list[InsightDraft], n: int) -> list[InsightDraft]:
    """Up to ``n`` drafts, taking the best of each kind in turn."""
    by_kind: dict[str, list[InsightDraft]] = {}
    for d in sorted(drafts, key=lambda d: -d.score):
        by_kind.setdefault(d.kind, []).append(d)
    chosen: list[InsightDraft] = []
    while len(chosen) < n and any(by_kind.values()):
        for items in by_kind.values():
            if items and len(chosen) < n:
                chosen.append(items.pop(0))
    return chosen


async def run(args: argparse.Namespace, where: engines.Target) -> dict[str, Any]:
    """Ingest (or re-use) the conversation, run the agents, describe what they found."""
    runtime = await Runtime.start(load_settings(**where.settings))
    await runtime.ready()
    scope = Scope(tenant=TENANT, space=args.conversation)
    try:
        ingested = await ingest(runtime, scope, args.data, args.conversation)
        stats = await runtime.store.space_stats(scope)
        agents: dict[str, Any] = {}
        for agent in args.agent or list(ANALYSES):
            agents[agent] = await run_agent(runtime, scope, agent)
    finally:
        await runtime.stop()
    return {
        "benchmark": "agents_locomo",
        "engine": where.engine,
        "conversation": args.conversation,
        "cores": os.cpu_count(),
        "ingest": ingested,
        "space": {"episodes": stats.episodes, "entities": stats.entities, "facts": stats.facts},
        "agents": agents,
    }


async def run_agent(runtime: Runtime, scope: Scope, agent: AgentName) -> dict[str, Any]:
    """One agent's run time (ms), insights by kind, stats and examples."""
    options = runtime.settings.agent_analysis_options()[agent]
    ctx = AgentContext(runtime.store, scope, "bench", datetime.now(UTC), options=options)
    started = time.perf_counter()
    outcome = await ANALYSES[agent](ctx)
    ms = round((time.perf_counter() - started) * 1000, 1)
    kinds: dict[str, int] = {}
    for d in outcome.insights:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    return {
        "ms": ms,
        "insights_by_kind": kinds,
        "stats": outcome.stats,
        "examples": [await evidence(runtime, scope, d) for d in spread(outcome.insights, 10)],
    }


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--conversation", default="conv-26")
    parser.add_argument("--data-dir", type=Path, help="keep (and re-use) the graph here")
    parser.add_argument("--engine", choices=engines.ENGINES, default="falkordb")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument(
        "--agent", action="append", choices=list(ANALYSES), help="only these (repeatable)"
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    result = engines.run_on(args.engine, args.data_dir, lambda where: run(args, where))
    engines.emit(result, args.out)


if __name__ == "__main__":
    main()

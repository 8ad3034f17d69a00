"""The curator on LoCoMo conv-26: insights by kind with real examples; prints JSON.

    python benchmarks/curator_locomo.py [--data PATH] [--conversation conv-26]
        [--examples 10] [--auto-fix]

In-process on the embedded FalkorDB in a temporary data dir: ingest the
conversation (spaCy, MiniLM, supersession: the service's own path), run the
curator as of one day after the last session (and again a year later, when
states said once have gone stale), and print the insights by kind with
examples and their evidence (the episodes' words). With ``--auto-fix``
it then runs the auto-fix, runs again (which must change nothing), undoes
the first run and checks that the portable export is what it was. Not a
test: numbers vary with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from jobs import settle
from kenning.agents.curator import run_curator, undo_run
from kenning.agents.models import AgentContext, InsightDraft
from kenning.api.runtime import Runtime
from kenning.config import load_settings
from kenning.domain.ids import new_id
from kenning.domain.models import Scope
from kenning.errors import KenningError
from kenning.importers.locomo import read_locomo
from kenning.portable import PortabilityService

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
)


async def ingest(runtime: Runtime, scope: Scope, data: Path, conversation: str) -> Any:
    episodes = read_locomo(data, conversation)[0].episodes
    accepted = await runtime.ingest.submit(scope, episodes)
    await settle(runtime.store, scope.tenant, [accepted.job_id], poll_s=0.2)
    return max(e.occurred_at for e in episodes if e.occurred_at)


async def example(runtime: Runtime, scope: Scope, draft: InsightDraft) -> dict[str, Any]:
    """An insight with its evidence: the facts' text and the episodes' words."""
    facts = await runtime.store.get_facts(scope, draft.fact_ids)
    episodes = await runtime.store.get_episodes(scope, draft.episode_ids[:3])
    return {
        "kind": draft.kind,
        "title": draft.title,
        "score": draft.score,
        "data": draft.data,
        "facts": [f"{f.subject} | {f.predicate} | {f.object}" for f in facts],
        "episodes": [f"{e.occurred_at.date()} {e.speaker}: {e.content[:160]}" for e in episodes],
    }


def pick(drafts: list[InsightDraft], count: int) -> list[InsightDraft]:
    """``count`` examples spread over the kinds, highest score first in each."""
    by_kind: dict[str, list[InsightDraft]] = {}
    for d in sorted(drafts, key=lambda d: (-d.score, d.title)):
        by_kind.setdefault(d.kind, []).append(d)
    chosen: list[InsightDraft] = []
    while len(chosen) < count and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(chosen) < count:
                chosen.append(by_kind[kind].pop(0))
    return chosen


async def dump(runtime: Runtime, scope: Scope) -> list[str]:
    lines = [line async for line in PortabilityService(runtime.store).export_lines(scope)]
    return lines[1:-1]  # without the header and trailer (export time)


async def run(data: Path, conversation: str, examples: int, auto_fix: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        runtime = await Runtime.start(load_settings(data_dir=Path(folder)))
        await runtime.ready()
        scope = Scope(tenant="bench", space=conversation)
        started = time.perf_counter()
        last = await ingest(runtime, scope, data, conversation)
        ingest_s = time.perf_counter() - started
        now = last + timedelta(days=1)
        ctx = AgentContext(runtime.store, scope, new_id("run"), now)
        started = time.perf_counter()
        outcome = await run_curator(ctx)
        curator_s = time.perf_counter() - started
        result: dict[str, Any] = {
            "cpu_count": os.cpu_count(),
            "conversation": conversation,
            "engine": runtime.store.dialect,
            "now": now.isoformat(),
            "ingest_s": round(ingest_s, 1),
            "stats": asdict(await runtime.store.space_stats(scope)),
            "curator_s": round(curator_s, 3),
            "by_kind": dict(Counter(d.kind for d in outcome.insights)),
            "ms_by_kind": outcome.stats["ms"],
            "examples": [
                await example(runtime, scope, d) for d in pick(outcome.insights, examples)
            ],
        }
        # A year on, states and preferences said once have gone stale.
        later = AgentContext(runtime.store, scope, new_id("run"), last + timedelta(days=365))
        aged = await run_curator(later)
        stale = [d for d in aged.insights if d.kind == "stale_fact"]
        result["a_year_later"] = {
            "now": later.now.isoformat(),
            "by_kind": dict(Counter(d.kind for d in aged.insights)),
            "stale_by_class": dict(Counter(d.data["class"] for d in stale)),
            "examples": [await example(runtime, scope, d) for d in pick(stale, 3)],
        }
        print(json.dumps(result, indent=2, default=str), file=sys.stderr, flush=True)
        if auto_fix:
            result["auto_fix"] = await fix_and_undo(runtime, scope, now)
        await runtime.stop()
    return result


async def fix_and_undo(runtime: Runtime, scope: Scope, now: Any) -> dict[str, Any]:
    """Auto-fix, fix again (should change nothing), undo both newest first,
    and compare the portable export with the one before."""
    before = await dump(runtime, scope)
    runs = [AgentContext(runtime.store, scope, new_id("run"), now, auto_fix=True) for _ in "12"]
    started = time.perf_counter()
    first = await run_curator(runs[0])
    fix_s = time.perf_counter() - started
    second = await run_curator(runs[1])
    started = time.perf_counter()
    undone: dict[str, Any] = {}
    for ctx in reversed(runs):
        try:
            undone[ctx.run_id] = await undo_run(runtime.store, scope, ctx.run_id)
        except KenningError as exc:
            undone[ctx.run_id] = f"{type(exc).__name__}: {exc}"
    return {
        "fix_s": round(fix_s, 3),
        "changes": first.stats["changes"],
        "fixed": first.stats["fixed"],
        "second_run_changes": second.stats["changes"],
        "undo_s": round(time.perf_counter() - started, 3),
        "undone": undone,
        "restored_exactly": await dump(runtime, scope) == before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--conversation", default="conv-26")
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--auto-fix", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.data, args.conversation, args.examples, args.auto_fix))
    print(json.dumps(result, indent=2, default=str))
    out = Path(__file__).parent / "results" / "curator_locomo.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()

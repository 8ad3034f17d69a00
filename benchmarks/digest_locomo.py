"""The digest of a LoCoMo conversation's last week, and how long it took.

Imports one conversation (default conv-26) into a fresh graph (the embedded
FalkorDB in a temporary data dir, or Neo4j with ``--engine neo4j``) with the
real runtime (spaCy extraction, MiniLM embeddings, supersession), then runs
the digest agent over "the last 7 days of activity": the week ending on the
day of the conversation's latest session (``period_end="latest"``).

Prints JSON (timings, counts, ``os.cpu_count()``) on stdout and the digest's
markdown on stderr::

    python benchmarks/digest_locomo.py [--sessions N] [--engine neo4j]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.engines import CHOICES, target  # noqa: E402

from kenning.agents.digest import run_digest  # noqa: E402
from kenning.agents.models import AgentContext  # noqa: E402
from kenning.api.runtime import Runtime  # noqa: E402
from kenning.config import load_settings  # noqa: E402
from kenning.domain.models import Scope  # noqa: E402
from kenning.importers.locomo import read_locomo  # noqa: E402

LOCOMO = ROOT.parent / "shared" / "data" / "locomo" / "locomo_dev.json"


async def open_runtime(settings: dict[str, Any]) -> Runtime:
    """Start the runtime and wait until its store has opened."""
    runtime = await Runtime.start(load_settings(**settings))
    await runtime.ready(timeout_s=120)
    return runtime


async def import_conversation(
    runtime: Runtime, scope: Scope, path: Path, conversation: str, sessions: int | None
) -> int:
    """Import a conversation's turns (its last ``sessions`` sessions, or all)
    and wait until the worker has extracted them; returns how many turns."""
    [conv] = read_locomo(path, conversation)
    episodes = conv.episodes
    if sessions:
        # Episode metadata carries the LoCoMo session number.
        numbers = sorted({int(e.metadata["session"]) for e in episodes if e.metadata})
        keep = set(numbers[-sessions:])
        episodes = [e for e in episodes if e.metadata and e.metadata["session"] in keep]
    jobs = []
    for i in range(0, len(episodes), runtime.settings.max_batch):
        batch = episodes[i : i + runtime.settings.max_batch]
        jobs.append((await runtime.ingest.submit(scope, batch)).job_id)
    while True:
        statuses = [await runtime.store.get_job(scope.tenant, j) for j in jobs]
        if all(s is not None and s.pending == s.processing == 0 for s in statuses):
            return len(episodes)
        await asyncio.sleep(0.5)


async def run(args: argparse.Namespace, settings: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    runtime = await open_runtime(settings)
    opened = time.perf_counter()
    tenant = "default" if args.engine == "falkordb" else f"bench-{uuid.uuid4().hex[:8]}"
    scope = Scope(tenant=tenant, space=args.conversation)
    try:
        turns = await import_conversation(
            runtime, scope, args.data, args.conversation, args.sessions
        )
        imported = time.perf_counter()
        ctx = AgentContext(
            store=runtime.store,
            scope=scope,
            run_id="bench",
            now=datetime.now(UTC),
            options={"period_end": "latest", "period_days": args.days},
        )
        outcome = await run_digest(ctx)
        digested = time.perf_counter()
        # The whole conversation as one period: its supersessions and ends.
        ctx.options = {"period_end": "latest", "period_days": 36600}
        whole = (await run_digest(ctx)).insights[0].data
        stats = await runtime.store.space_stats(scope)
    finally:
        await runtime.stop()
    [draft] = outcome.insights
    print(draft.body, file=sys.stderr)
    return {
        "benchmark": "digest_locomo",
        "engine": args.engine,
        "conversation": args.conversation,
        "turns": turns,
        "space": {"episodes": stats.episodes, "entities": stats.entities, "facts": stats.facts},
        "start_s": round(opened - started, 1),
        "import_s": round(imported - opened, 1),
        "digest_ms": round((digested - imported) * 1000, 1),
        "digest_stats": outcome.stats,
        "headline": draft.title,
        "whole_conversation": {
            "activity": whole["activity"],
            "changes": [
                f"{c['at'][:10]} {c['kind']}: {c['old']['text']} -> "
                + (c["new"]["text"] if c["new"] else "-")
                for c in whole["changes"]
            ],
        },
        "digest": draft.data,
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=LOCOMO)
    parser.add_argument("--conversation", default="conv-26")
    parser.add_argument("--sessions", type=int, default=None, help="only the last N sessions")
    parser.add_argument("--days", type=float, default=7.0, help="period length in days")
    parser.add_argument("--engine", choices=[c for c in CHOICES if c != "both"], default="falkordb")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="kenning-digest-") as tmp,
        target(args.engine, Path(tmp)) as where,
    ):
        result = asyncio.run(run(args, where.settings))
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

"""Export one ingested LoCoMo conversation and import it again; prints JSON.

    python benchmarks/export_import.py [--data PATH] [--conversation conv-26]

In-process on the embedded FalkorDB in temporary data dirs: ingest the
conversation, export it (kenning-jsonl), import it into a new space of the
same graph (new ids) and into a fresh graph (ids kept), and check that the
fresh graph's export is item for item the original's. Not a test: numbers
vary with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from jobs import settle
from kenning.api.runtime import Runtime
from kenning.config import load_settings
from kenning.domain.models import Scope
from kenning.importers.locomo import read_locomo
from kenning.portable import PortabilityService

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
)


async def export(runtime: Runtime, scope: Scope) -> tuple[list[str], float]:
    started = time.perf_counter()
    lines = [line async for line in PortabilityService(runtime.store).export_lines(scope)]
    return lines, time.perf_counter() - started


async def feed(lines: list[str]) -> AsyncIterator[bytes]:
    for line in lines:
        yield line.encode()


async def import_(runtime: Runtime, scope: Scope, lines: list[str], ids: Any) -> float:
    started = time.perf_counter()
    await PortabilityService(runtime.store).import_lines(scope, feed(lines), ids)
    return time.perf_counter() - started


async def run(data: Path, conversation: str) -> dict[str, Any]:
    episodes = read_locomo(data, conversation)[0].episodes
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        source = await Runtime.start(load_settings(data_dir=Path(one)))
        await source.ready()
        scope = Scope(tenant="bench", space=conversation)
        accepted = await source.ingest.submit(scope, episodes)
        await settle(source.store, "bench", [accepted.job_id], poll_s=0.1)
        lines, export_s = await export(source, scope)
        copy_s = await import_(source, Scope(tenant="bench", space="copy"), lines, "new")
        await source.stop()
        target = await Runtime.start(load_settings(data_dir=Path(two)))
        await target.ready()
        fresh_s = await import_(target, scope, lines, "keep")
        again, _ = await export(target, scope)
        await target.stop()
    counts = json.loads(lines[-1])["counts"]
    items = sum(counts.values())
    return {
        "cpu_count": os.cpu_count(),
        "conversation": conversation,
        "counts": counts,
        "bytes": sum(len(line.encode()) for line in lines),
        "export_s": round(export_s, 3),
        "export_items_per_s": round(items / export_s),
        "import_new_ids_s": round(copy_s, 3),
        "import_fresh_graph_s": round(fresh_s, 3),
        "import_items_per_s": round(items / fresh_s),
        "fresh_graph_identical": again[1:-1] == lines[1:-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--conversation", default="conv-26")
    args = parser.parse_args()
    result = asyncio.run(run(args.data, args.conversation))
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results" / "export_import.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

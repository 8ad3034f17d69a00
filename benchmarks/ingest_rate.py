"""Ingest throughput: LoCoMo turns/s, bulk structured facts/s and memory; prints JSON.

    python benchmarks/ingest_rate.py [--data PATH] [--engine falkordb|neo4j]
        [--facts 5000] [--facts-per-request 500] [--out FILE]

Runs in-process (``engines.py`` picks the graph: the embedded FalkorDB in a
temporary data dir, or Neo4j) through the normal paths, timed from the first
request to the last episode settled:

* **turns**: the six development conversations of LoCoMo (3,435 turns), each
  in its own space, sent in requests of ``KENNING_MAX_BATCH`` (500) and
  extracted by the worker (spaCy, embedding, graph write), as
  ``locomo_retrieval.py`` ingests them;
* **facts**: ``--facts`` synthetic structured triples (400 people, 20
  predicates, a few of them functional so supersession has chains to
  resolve) through ``IngestService.add_facts``, the use case behind
  ``POST /v1/facts``, ``--facts-per-request`` at a time;
* **memory**: resident memory of Kenning and of the database process, now
  (``VmRSS``) and at peak (``VmHWM``), after both.

The models are loaded before the clock starts. Each phase also reports the
CPU seconds Kenning and the embedded database spent in it (user + system),
and the 1-minute load average before and after: on a shared machine the
wall-clock rates depend on what else runs, the CPU seconds much less, so
compare runs by both. Not a test: the numbers vary with the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engines
from jobs import settle
from kenning.api.runtime import Runtime
from kenning.config import load_settings
from kenning.domain.models import FactCreate, Scope
from kenning.importers.locomo import read_locomo

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
)
RESULTS = Path(__file__).resolve().parent / "results"
TENANT = "bench"
PEOPLE = 400
#: (predicate, objects): lives_in and works_at are functional (supersession).
PREDICATES = [
    ("lives_in", ["Paris", "Berlin", "Lisbon", "Oslo", "Austin", "Kyoto", "Lima", "Cairo"]),
    ("works_at", ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay"]),
    ("likes", ["hiking", "chess", "jazz", "painting", "sushi", "cycling", "poetry"]),
    ("plays", ["guitar", "piano", "tennis", "violin", "football", "go"]),
    ("visited", ["Rome", "Madrid", "Seoul", "Nairobi", "Quebec", "Hanoi", "Oslo"]),
    ("owns", ["a dog", "a cat", "a bicycle", "a sailboat", "a piano", "a camera"]),
    ("studied", ["physics", "law", "history", "biology", "design", "economics"]),
    ("speaks", ["Spanish", "Japanese", "German", "Swahili", "Portuguese", "Korean"]),
    ("reads", ["science fiction", "poetry", "biographies", "mysteries", "comics"]),
    ("collects", ["stamps", "coins", "vinyl records", "postcards", "seashells"]),
    ("cooks", ["paella", "ramen", "curry", "lasagna", "tacos", "pierogi"]),
    ("knows", []),  # another person
    ("friend_of", []),
    ("mentors", []),
    ("admires", ["Ada Lovelace", "Marie Curie", "Nelson Mandela", "Frida Kahlo"]),
    ("volunteers_at", ["the food bank", "the shelter", "the library", "the clinic"]),
    ("trains_for", ["a marathon", "a triathlon", "a climb", "a swim meet"]),
    ("member_of", ["the choir", "the book club", "the chess club", "the rowing team"]),
    ("born_in", ["Dublin", "Accra", "Manila", "Quito", "Perth", "Tbilisi"]),
    ("wants_to_visit", ["Iceland", "Peru", "Japan", "Morocco", "Chile", "Vietnam"]),
]


def synthetic_facts(count: int, seed: int = 15) -> list[FactCreate]:
    """``count`` structured triples about :data:`PEOPLE` people."""
    rng = random.Random(seed)
    people = [f"Person {n:03d}" for n in range(PEOPLE)]
    facts = []
    for _ in range(count):
        subject = rng.choice(people)
        predicate, objects = rng.choice(PREDICATES)
        obj = rng.choice(objects) if objects else rng.choice([p for p in people if p != subject])
        text = f"{subject} {predicate.replace('_', ' ')} {obj}"
        facts.append(FactCreate(subject=subject, predicate=predicate, object=obj, text=text))
    return facts


class Clock:
    """Wall-clock and CPU seconds of a phase, and the load average around it."""

    def __init__(self, db_pid: int | None) -> None:
        self._db_pid = db_pid
        self._load = os.getloadavg()[0]
        self._cpu = (own_cpu_s(), process_cpu_s(db_pid))
        self._started = time.perf_counter()

    def seconds(self) -> float:
        """Wall-clock seconds since the start."""
        return time.perf_counter() - self._started

    def report(self) -> dict[str, Any]:
        """``seconds``, ``cpu_s`` (kenning, database) and ``load_avg_1m`` (before, after)."""
        db_after = process_cpu_s(self._db_pid)
        db_before = self._cpu[1]
        return {
            "seconds": round(self.seconds(), 2),
            "cpu_s": {
                "kenning": round(own_cpu_s() - self._cpu[0], 1),
                "database": round(db_after - db_before, 1) if db_after and db_before else None,
            },
            "load_avg_1m": [round(self._load, 2), round(os.getloadavg()[0], 2)],
        }


def own_cpu_s() -> float:
    """CPU seconds (user + system) of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_s(pid: int | None) -> float | None:
    """CPU seconds (user + system) of another process so far, or None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of stat(5), in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def ingest_turns(
    runtime: Runtime, data: Path, batch: int, db_pid: int | None
) -> dict[str, Any]:
    """Send every conversation's turns; wait until the worker settled them all."""
    conversations = read_locomo(data)
    turns = sum(len(c.episodes) for c in conversations)
    clock = Clock(db_pid)
    jobs = []
    for conv in conversations:
        scope = Scope(tenant=TENANT, space=conv.sample_id)
        for start in range(0, len(conv.episodes), batch):
            accepted = await runtime.ingest.submit(scope, conv.episodes[start : start + batch])
            jobs.append(accepted.job_id)
    failed = await settle(runtime.store, TENANT, jobs, poll_s=0.05)
    return {
        "conversations": [c.sample_id for c in conversations],
        "turns": turns,
        "failed": failed,
        "turns_per_s": round(turns / clock.seconds(), 1),
        **clock.report(),
    }


async def ingest_facts(
    runtime: Runtime, count: int, per_request: int, db_pid: int | None
) -> dict[str, Any]:
    """Post ``count`` synthetic facts into one space, ``per_request`` at a time."""
    facts = synthetic_facts(count)
    scope = Scope(tenant=TENANT, space="bulk-facts")
    clock = Clock(db_pid)
    for start in range(0, len(facts), per_request):
        await runtime.ingest.add_facts(scope, facts[start : start + per_request])
    return {
        "facts": count,
        "per_request": per_request,
        "facts_per_s": round(count / clock.seconds(), 1),
        **clock.report(),
    }


def rss_mb(pid: int | None) -> dict[str, float | None]:
    """Resident memory of a process now and at peak, in MB (None if unknown)."""
    if pid is None:
        return {"now": None, "peak": None}
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {"now": None, "peak": None}

    def field(name: str) -> float | None:
        match = re.search(rf"{name}:\s+(\d+)", status)
        return round(int(match.group(1)) / 1024, 1) if match else None

    return {"now": field("VmRSS"), "peak": field("VmHWM")}


async def run(args: argparse.Namespace, where: engines.Target) -> dict[str, Any]:
    """Start Kenning, load its models, then time both phases."""
    settings = load_settings(**where.settings)
    started = time.perf_counter()
    runtime = await Runtime.start(settings)
    await runtime.ready()
    startup_s = time.perf_counter() - started
    try:
        db_pid = where.database_pid()
        turns = await ingest_turns(runtime, args.data, settings.max_batch, db_pid)
        facts = await ingest_facts(runtime, args.facts, args.facts_per_request, db_pid)
        memory = {"kenning": rss_mb(os.getpid()), where.engine: rss_mb(where.database_pid())}
    finally:
        await runtime.stop()
    return {
        "benchmark": "ingest_rate",
        "engine": where.engine,
        "cores": os.cpu_count(),
        "startup_s": round(startup_s, 2),
        "turns": turns,
        "facts": facts,
        "rss_mb": memory,
    }


def main() -> None:
    """Parse arguments, run, print JSON and save it under benchmarks/results/."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--engine", choices=engines.ENGINES, default="falkordb")
    parser.add_argument("--facts", type=int, default=5000)
    parser.add_argument("--facts-per-request", type=int, default=500)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if not args.data.exists():
        sys.exit(f"LoCoMo data not found at {args.data} (see ../shared/data/locomo/README.md)")
    result = engines.run_on(args.engine, None, lambda where: run(args, where))
    RESULTS.mkdir(exist_ok=True)
    engines.emit(result, args.out or RESULTS / f"ingest_rate-{args.engine}.json")


if __name__ == "__main__":
    main()

"""Turn-level Recall@k of Kenning on LoCoMo, beside BM25 and dense baselines.

    python benchmarks/locomo_retrieval.py [--data PATH] [--out FILE]
        [--data-dir DIR] [--conversation ID ...] [--no-baselines]
        [--engine falkordb|neo4j|both] [--questions FILE]

Each conversation goes into its own space through the normal ingest path
(episodes → worker → graph) in-process, on the embedded FalkorDB or on Neo4j
(``--engine``; see ``engines.py``: the local Neo4j of ``deploy/neo4j`` is
started when ``KENNING_BENCH_NEO4J_URL`` is unset; ``both`` runs each engine in
its own process and prints their JSON side by side); every
question with evidence is asked through the normal search path (query
embedding included). A result counts for the turns it came from (a fact for
its episodes); at most k distinct turns count for Recall@k. BM25 and dense
(all-MiniLM-L6-v2) baselines run over the same raw turns in the same run.

``--data-dir`` keeps the graph between runs: episodes are sent again (ingest
is idempotent), nothing new is extracted, and only retrieval is re-measured,
which is how settings are tuned (``KENNING_*`` variables). ``--questions``
writes one JSON line per question (conversation, category, question,
evidence, Recall@k, the first 20 turns returned), so two runs can be
compared question by question. JSON goes to
stdout and to ``benchmarks/results/``; a table goes to stderr. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engines
from baselines import BM25, dense_scores, top_indices
from jobs import settle
from kenning.api.runtime import Runtime
from kenning.config import load_settings
from kenning.domain.models import Scope, SearchHit
from kenning.importers.locomo import Conversation, read_locomo
from stats import percentile

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
)
RESULTS = Path(__file__).resolve().parent / "results"
KS = (1, 5, 10, 20)
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
TENANT = "bench"
_EVIDENCE = re.compile(r"D\d+:\d+")


@dataclass(frozen=True, slots=True)
class Question:
    """A question with the turn ids (``dia_id``) that hold its answer."""

    text: str
    category: str
    evidence: frozenset[str]


@dataclass(slots=True)
class Space:
    """One conversation: its turns, questions and stored episode ids."""

    conversation: Conversation
    questions: list[Question]
    turn_of_episode: dict[str, str]


def load(data: Path, only: list[str] | None) -> list[Space]:
    """Conversations and their questions that have evidence in the conversation."""
    raw = {i["sample_id"]: i for i in json.loads(data.read_text("utf-8"))}
    spaces = []
    for conv in read_locomo(data):
        if only and conv.sample_id not in only:
            continue
        turns = {str((e.metadata or {})["dia_id"]) for e in conv.episodes}
        questions = []
        for qa in raw[conv.sample_id]["qa"]:
            # A few evidence lists are malformed ("D8:6; D9:17"); read every id.
            ids = {m for e in qa.get("evidence", []) for m in _EVIDENCE.findall(e)}
            evidence = frozenset(ids & turns)
            if evidence:
                questions.append(Question(qa["question"], CATEGORIES[qa["category"]], evidence))
        spaces.append(Space(conv, questions, {}))
    return spaces


async def ingest(runtime: Runtime, spaces: list[Space], batch: int) -> dict[str, Any]:
    """Send every conversation's turns; wait until the worker has done them all."""
    started = time.perf_counter()
    jobs, created = [], 0
    for space in spaces:
        scope = Scope(tenant=TENANT, space=space.conversation.sample_id)
        episodes = space.conversation.episodes
        for start in range(0, len(episodes), batch):
            chunk = episodes[start : start + batch]
            accepted = await runtime.ingest.submit(scope, chunk)
            jobs.append(accepted.job_id)
            created += accepted.created
            for item, episode_id in zip(chunk, accepted.episode_ids, strict=True):
                space.turn_of_episode[episode_id] = str((item.metadata or {})["dia_id"])
    failed = await settle(runtime.store, TENANT, jobs, poll_s=0.2)
    seconds = time.perf_counter() - started
    return {"episodes_created": created, "failed": failed, "seconds": round(seconds, 1)}


def hit_turns(hits: list[SearchHit], turn_of_episode: dict[str, str]) -> list[str]:
    """Distinct turns in result order; a fact gives the turns of its episodes."""
    seen: dict[str, None] = {}
    for hit in hits:
        for episode_id in hit.episode_ids:
            turn = turn_of_episode.get(episode_id)
            if turn is not None:
                seen.setdefault(turn, None)
    return list(seen)


def recall(ranked: list[str], evidence: frozenset[str]) -> dict[int, float]:
    """Recall@k for every k in :data:`KS` of a ranked list of distinct turns."""
    return {k: len(evidence.intersection(ranked[:k])) / len(evidence) for k in KS}


class Tally:
    """Recall@k per question, overall and by category."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[int, float]]] = []
        #: One record per question (``--questions``), in the order asked.
        self.records: list[dict[str, Any]] = []

    def add(self, category: str, values: dict[int, float]) -> None:
        self.rows.append((category, values))

    def summary(self) -> dict[str, Any]:
        by_cat: dict[str, list[dict[int, float]]] = defaultdict(list)
        for category, values in self.rows:
            by_cat[category].append(values)
        return {
            "questions": len(self.rows),
            "recall_at": _mean([v for _, v in self.rows]),
            "by_category": {
                c: {"questions": len(v), "recall_at": _mean(v)} for c, v in sorted(by_cat.items())
            },
        }


def _mean(rows: list[dict[int, float]]) -> dict[str, float]:
    return {str(k): round(statistics.fmean(r[k] for r in rows), 4) for k in KS} if rows else {}


async def evaluate_kenning(runtime: Runtime, spaces: list[Space]) -> tuple[Tally, list[float]]:
    """Ask every question through the search service; Recall@k and latencies (ms)."""
    tally, latencies = Tally(), []
    for space in spaces:
        scope = Scope(tenant=TENANT, space=space.conversation.sample_id)
        for question in space.questions[:2]:  # warm-up: caches, lazy model parts
            await runtime.search.search(scope, question.text, max(KS))
        for question in space.questions:
            t0 = time.perf_counter()
            hits = await runtime.search.search(scope, question.text, max(KS))
            latencies.append((time.perf_counter() - t0) * 1000)
            ranked = hit_turns(hits, space.turn_of_episode)
            values = recall(ranked, question.evidence)
            tally.add(question.category, values)
            tally.records.append(
                {
                    "conversation": space.conversation.sample_id,
                    "category": question.category,
                    "question": question.text,
                    "evidence": sorted(question.evidence),
                    "recall_at": {str(k): v for k, v in values.items()},
                    "turns": ranked[: max(KS)],
                }
            )
    return tally, latencies


def evaluate_baselines(runtime: Runtime, spaces: list[Space]) -> dict[str, Tally]:
    """BM25 and dense retrieval over each conversation's raw turns, each read as
    a line of the dialogue, ``speaker: text`` (no date, no image caption); this
    reproduces the dense baseline of the data README (0.445 at R@10) and gives
    a slightly stronger BM25 than its 0.537."""
    tallies = {"bm25": Tally(), "dense": Tally()}
    for space in spaces:
        episodes = space.conversation.episodes
        turns = [str((e.metadata or {})["dia_id"]) for e in episodes]
        texts = [f"{e.speaker}: {e.content}" for e in episodes]
        bm25 = BM25(texts)
        doc_vectors = runtime.embedder.embed(texts)
        query_vectors = runtime.embedder.embed([q.text for q in space.questions])
        for question, qv in zip(space.questions, query_vectors, strict=True):
            for name, scores in (
                ("bm25", bm25.scores(question.text)),
                ("dense", dense_scores(doc_vectors, qv)),
            ):
                ranked = [turns[i] for i in top_indices(scores, max(KS))]
                tallies[name].add(question.category, recall(ranked, question.evidence))
    return tallies


async def run(args: argparse.Namespace, where: engines.Target) -> dict[str, Any]:
    """Ingest (or re-use) the graph, then measure Kenning and the baselines."""
    spaces = load(args.data, args.conversation)
    settings = load_settings(**where.settings)
    runtime = await Runtime.start(settings)
    await runtime.ready()
    try:
        ingest_stats = await ingest(runtime, spaces, settings.max_batch)
        ingest_stats["episodes"] = sum(len(s.conversation.episodes) for s in spaces)
        load_before = os.getloadavg()[0]
        tally, latencies = await evaluate_kenning(runtime, spaces)
        load_after = os.getloadavg()[0]
        if args.questions:
            lines = (json.dumps(r, ensure_ascii=False) for r in tally.records)
            args.questions.write_text("".join(f"{line}\n" for line in lines), "utf-8")
        systems = {"kenning": tally.summary()}
        if not args.no_baselines:
            systems.update({k: v.summary() for k, v in evaluate_baselines(runtime, spaces).items()})
        rss = engines.peak_rss_mb(where)
    finally:
        await runtime.stop()
    return {
        "benchmark": "locomo_retrieval",
        "engine": where.engine,
        "data": str(args.data),
        "conversations": [s.conversation.sample_id for s in spaces],
        "cores": os.cpu_count(),
        "ingest": ingest_stats,
        "search_ms": {
            "queries": len(latencies),
            "p50": round(statistics.median(latencies), 1),
            "p95": round(percentile(latencies, 95), 1),
            "max": round(max(latencies), 1),
            "load_avg_1m": [round(load_before, 2), round(load_after, 2)],
        },
        "peak_rss_mb": rss,
        "systems": systems,
    }


def table(result: dict[str, Any]) -> str:
    """The Recall@k table: one row per system, overall and per category."""
    lines = [f"{'system':<8} {'category':<12} {'n':>5} " + " ".join(f"R@{k:<5}" for k in KS)]
    for name, system in result["systems"].items():
        rows = [("overall", system), *system["by_category"].items()]
        for category, row in rows:
            cells = " ".join(f"{row['recall_at'][str(k)]:<7.3f}" for k in KS)
            lines.append(f"{name:<8} {category:<12} {row['questions']:>5} {cells}")
    s = result["search_ms"]
    lines.append(
        f"ingest {result['ingest']['seconds']} s; search p50 {s['p50']} ms, "
        f"p95 {s['p95']} ms (load {s['load_avg_1m']}); peak RSS {result['peak_rss_mb']} MB"
    )
    return "\n".join(lines)


def main() -> None:
    """Parse arguments, run, print JSON (stdout) and the table (stderr), save JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=RESULTS / "locomo_retrieval.json")
    parser.add_argument("--data-dir", type=Path, help="keep (and re-use) the graph here")
    parser.add_argument("--conversation", action="append", help="only these sample_ids")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--engine", choices=engines.CHOICES, default="falkordb")
    parser.add_argument("--questions", type=Path, help="write per-question JSON lines here")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if not args.data.exists():
        sys.exit(f"LoCoMo data not found at {args.data} (see ../shared/data/locomo/README.md)")
    if args.engine == "both":
        runs = engines.run_each(engines.strip_engine_args(sys.argv[1:]), args.out)
        text = json.dumps({"benchmark": "locomo_retrieval", "engines": runs}, indent=2)
        print(text)
        for engine, result in runs.items():
            print(f"== {engine}\n{table(result)}", file=sys.stderr)
        args.out.with_name(f"{args.out.stem}-both.json").write_text(text + "\n")
        return
    result = engines.run_on(args.engine, args.data_dir, lambda where: run(args, where))
    text = json.dumps(result, indent=2)
    print(text)
    print(table(result), file=sys.stderr)
    out = args.out
    if args.engine == "neo4j" and out == RESULTS / "locomo_retrieval.json":
        out = RESULTS / "locomo_retrieval-neo4j.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()

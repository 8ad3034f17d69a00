"""Recall of the shared ANN fact index against exact search; prints JSON.

    python benchmarks/ann_recall.py [--facts 10000 100000] [--per-space 1000]
        [--engine falkordb|neo4j]

Writes ``N`` facts with 384-d vectors through the store port into a fresh
embedded FalkorDB (or, with ``--engine neo4j``, a tenant of its own on Neo4j,
deleted afterwards; see ``engines.py``), spread over spaces of ``--per-space``
facts each, then asks
LoCoMo questions (embedded with all-MiniLM-L6-v2) two ways:

* ``global``: the ANN index against exact cosine over all facts (the index's
  own quality at that size);
* ``scoped``: what search does in a space that is too big for exact search,
  ANN over the shared index oversampled ``KENNING_ANN_OVERSAMPLE`` times and
  filtered to the space, against exact search in the space.

Fact vectors are LoCoMo turn embeddings with Gaussian noise (standard deviation 0.05 per
dimension, renormalised), so they cluster like real text rather than
spreading like uniform random vectors. Not a test.
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
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engines
from kenning.api.runtime import load_embedder
from kenning.config import load_settings
from kenning.domain.ids import new_id
from kenning.domain.models import Scope, utcnow
from kenning.importers.locomo import read_locomo
from kenning.store.factory import create_store
from kenning.store.port import EntityRow, FactRow, GraphStore, GraphWrite

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
)
RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 500
K = 10


def fact_vectors(base: npt.NDArray[np.float32], n: int, seed: int) -> npt.NDArray[np.float32]:
    """``(n, 384)`` unit vectors: rows of ``base`` plus Gaussian noise (sd 0.05)."""
    rng = np.random.default_rng(seed)
    rows = base[rng.integers(0, len(base), n)] + rng.normal(0, 0.05, (n, base.shape[1]))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


async def fill(
    store: GraphStore, tenant: str, vectors: npt.NDArray[np.float32], per_space: int
) -> int:
    """Write the facts, ``per_space`` to a space; returns the number of spaces."""
    spaces = 0
    for start in range(0, len(vectors), BATCH):
        space = f"ann-{start // per_space}"
        spaces = max(spaces, start // per_space + 1)
        write = GraphWrite()
        for i in range(start, min(start + BATCH, len(vectors))):
            a, b = f"a{i}", f"b{i}"
            write.entities += [EntityRow(new_id("en"), a, a, "Concept")]
            write.entities += [EntityRow(new_id("en"), b, b, "Concept")]
            row = FactRow(new_id("fa"), a, "rel", b, f"fact {i}", 1.0, None, None, [])
            write.facts.append(row)
            write.fact_vectors[row.id] = vectors[i].tolist()
        await store.write_graph(Scope(tenant=tenant, space=space), write, [], utcnow())
    return spaces


async def recall(
    store: GraphStore, scope: Scope, queries: npt.NDArray[np.float32], oversample: int
) -> dict[str, Any]:
    """Recall@10 of ANN against exact search, scoped to ``scope`` and globally."""
    scoped, latency = [], []
    for q in queries.tolist():
        exact = {h.id for h in await store.vector_search(scope, "fact", q, K, exact=True)}
        t0 = time.perf_counter()
        ann = await store.vector_search(scope, "fact", q, K * oversample, exact=False)
        latency.append((time.perf_counter() - t0) * 1000)
        scoped.append(len(exact & {h.id for h in ann[:K]}) / K)
    return {
        "scoped_recall_at_10": round(statistics.fmean(scoped), 4),
        "ann_ms_p50": round(statistics.median(latency), 1),
    }


async def run_size(
    where: engines.Target, n: int, per_space: int, base: Any, queries: Any, oversample: int
) -> Any:
    """One index size: a fresh data dir on FalkorDB, a tenant of its own
    (deleted afterwards) on Neo4j."""
    tenant = f"ann-{n}-{per_space}"
    store = create_store(load_settings(**where.settings))
    await store.open()
    try:
        t0 = time.perf_counter()
        spaces = await fill(store, tenant, fact_vectors(base, n, seed=n), per_space)
        write_s = time.perf_counter() - t0
        result = await recall(store, Scope(tenant=tenant, space="ann-0"), queries, oversample)
        # Global: one space holding everything is what the index sees unscoped.
        if spaces == 1:
            result["global_recall_at_10"] = result["scoped_recall_at_10"]
        if where.engine == "neo4j":
            for i in range(spaces):
                await store.delete_space(Scope(tenant=tenant, space=f"ann-{i}"))
    finally:
        await store.close()
    return {"facts": n, "spaces": spaces, "write_s": round(write_s, 1), **result}


def sizes(args: argparse.Namespace) -> list[tuple[int, int]]:
    """(facts, per_space) of every run."""
    return [(n, per_space) for n in args.facts for per_space in args.per_space or [n]]


def run_all(args: argparse.Namespace, base: Any, queries: Any, oversample: int) -> list[Any]:
    """Every size on ``args.engine``; FalkorDB gets a fresh data dir per size."""
    runs = []
    if args.engine == "falkordb":
        for n, per_space in sizes(args):
            with tempfile.TemporaryDirectory() as tmp, engines.target("falkordb", Path(tmp)) as w:
                runs.append(asyncio.run(run_size(w, n, per_space, base, queries, oversample)))
            print(json.dumps(runs[-1]), file=sys.stderr)
        return runs
    with tempfile.TemporaryDirectory() as tmp, engines.target("neo4j", Path(tmp)) as where:
        for n, per_space in sizes(args):
            runs.append(asyncio.run(run_size(where, n, per_space, base, queries, oversample)))
            print(json.dumps(runs[-1]), file=sys.stderr)
    return runs


def main() -> None:
    """Parse arguments, run each size, print JSON and save it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--facts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--per-space", type=int, nargs="+", default=None)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--engine", choices=engines.ENGINES, default="falkordb")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not args.data.exists():
        sys.exit(f"LoCoMo data not found at {args.data}")
    settings = load_settings()
    embedder = load_embedder(settings)
    conversations = read_locomo(args.data)
    turns = [e.content for c in conversations for e in c.episodes]
    base = embedder.embed(turns)
    questions = [q["question"] for i in json.loads(args.data.read_text()) for q in i["qa"]]
    queries = embedder.embed(questions[: args.queries])
    runs = run_all(args, base, queries, settings.ann_oversample)
    result = {
        "benchmark": "ann_recall",
        "engine": args.engine,
        "cores": os.cpu_count(),
        "k": K,
        "oversample": settings.ann_oversample,
        "runs": runs,
    }
    text = json.dumps(result, indent=2)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    name = "ann_recall.json" if args.engine == "falkordb" else f"ann_recall-{args.engine}.json"
    (RESULTS / name).write_text(text + "\n")


if __name__ == "__main__":
    main()

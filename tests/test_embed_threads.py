"""Embedding from several threads at once gives the same vectors as one at a
time (issue 9: the query encoder and the batch embedder shared a tokenizer,
and 2.6 % of episodes failed with ``expected sequence of length 21 at dim 1
(got 20)`` under search load)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import numpy.typing as npt

from kenning.api.runtime import load_embedder
from kenning.config import load_settings
from kenning.embed.sentence_transformers import SentenceTransformerEmbedder

Vectors = npt.NDArray[np.float32]

#: Texts of many token lengths, so the padding and truncation settings matter.
WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "near",
    "Lisbon",
    "in",
    "March",
]
QUERIES = [" ".join(WORDS[: 1 + i % len(WORDS)]) + f" {i}?" for i in range(12)]
BATCHES = [
    [" ".join(WORDS[: 1 + (i + j) % len(WORDS)]) * (1 + j % 3) for j in range(2 + i % 5)]
    for i in range(8)
] + [[q] for q in QUERIES[:4]]  # one-text batches, as PyTorch-run queries are
ROUNDS = 10
THREADS = 6


def _embedder() -> SentenceTransformerEmbedder:
    embedder = load_embedder(load_settings())  # the process's cached model
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder._onnx is not None, "the default settings embed queries with ONNX Runtime"
    return embedder


def _query_on_loop(embedder: SentenceTransformerEmbedder, text: str) -> Vectors:
    """The search path: ``embed_query`` from an event loop, on the query thread."""
    return asyncio.run(embedder.embed_query(text))


def _jobs(embedder: SentenceTransformerEmbedder) -> tuple[list[Callable[[], Vectors]], list[str]]:
    """Queries (half straight into the ONNX encoder, half through the query
    thread) interleaved with batches; and what each job is, for messages."""
    encoder = embedder._onnx
    assert encoder is not None
    jobs: list[Callable[[], Vectors]] = []
    names: list[str] = []
    for i in range(max(len(QUERIES), len(BATCHES))):
        if i < len(QUERIES):
            query = QUERIES[i]
            direct = i % 2 == 0
            jobs.append(
                partial(encoder.encode, query)
                if direct
                else partial(_query_on_loop, embedder, query)
            )
            names.append(f"query {query!r}")
        if i < len(BATCHES):
            jobs.append(partial(embedder.embed, BATCHES[i]))
            names.append(f"batch {i}")
    return jobs, names


def _run_concurrently(jobs: list[Callable[[], Vectors]]) -> list[list[Vectors]]:
    """Every job once per round on THREADS threads that start each round
    together; job ``k`` runs on thread ``(k + round) % THREADS``. Returns
    ``results[round][k]``; re-raises the first error any thread met."""
    barrier = threading.Barrier(THREADS)
    results: list[list[Vectors]] = [[] for _ in range(ROUNDS)]
    for row in results:
        row.extend(np.zeros(0, np.float32) for _ in jobs)

    def worker(thread: int) -> None:
        try:
            for r in range(ROUNDS):
                barrier.wait(timeout=120)
                for k, job in enumerate(jobs):
                    if (k + r) % THREADS == thread:
                        results[r][k] = job()
        except BaseException:
            barrier.abort()  # let the other threads out of their wait
            raise

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(worker, t) for t in range(THREADS)]
    errors = [e for f in futures if (e := f.exception()) is not None]
    # Threads let out by the abort raise BrokenBarrierError; report the cause.
    errors.sort(key=lambda e: isinstance(e, threading.BrokenBarrierError))
    if errors:
        raise errors[0]
    return results


def test_queries_and_batches_from_many_threads_match_sequential_results() -> None:
    embedder = _embedder()
    jobs, names = _jobs(embedder)
    expected = [job() for job in jobs]  # one at a time
    for name, vectors in zip(names, expected, strict=True):
        rows = 1 if name.startswith("query") else len(BATCHES[int(name.split()[1])])
        shape = (384,) if name.startswith("query") else (rows, 384)
        assert vectors.shape == shape, name
        assert vectors.dtype == np.float32, name

    results = _run_concurrently(jobs)

    for r, row in enumerate(results):
        for name, got, want in zip(names, row, expected, strict=True):
            assert got.shape == want.shape, f"round {r}, {name}"
            np.testing.assert_allclose(got, want, atol=1e-5, err_msg=f"round {r}, {name}")
    # The texts differ, so a mix-up between jobs could not pass unnoticed.
    assert float(expected[0] @ expected[2]) < 0.99

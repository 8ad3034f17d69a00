"""The real MiniLM embedder: query embeddings on their own thread."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from kenning.api.runtime import load_embedder
from kenning.config import load_settings
from kenning.embed.sentence_transformers import SentenceTransformerEmbedder


def _embedder() -> SentenceTransformerEmbedder:
    embedder = load_embedder(load_settings())  # the process's cached model
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


async def test_query_embedding_matches_the_batch_embedding() -> None:
    embedder = _embedder()
    query = "When did Caroline go to the LGBTQ support group?"
    one = await embedder.embed_query(query)
    batch = await asyncio.to_thread(embedder.embed, ["a different text first", query])
    assert one.shape == (384,)
    assert one.dtype == np.float32
    assert abs(float(np.linalg.norm(one)) - 1.0) < 1e-5
    # Same model, same text: the thread count must not change the vector.
    np.testing.assert_allclose(one, batch[1], atol=1e-5)
    assert float(one @ batch[0]) < 0.9


def test_query_thread_keeps_its_own_torch_thread_count() -> None:
    """torch's per-thread setting is what embed_query relies on; if a torch
    release made it process-wide, batches would run on one core."""
    embedder = _embedder()
    process_wide = torch.get_num_threads()
    pinned = embedder._queries.submit(torch.get_num_threads).result()
    with ThreadPoolExecutor(1) as fresh:
        other = fresh.submit(torch.get_num_threads).result()
    assert pinned == load_settings().embedding_query_threads == 1
    assert other == process_wide
    if process_wide > 1:  # a one-core machine has nothing to tell apart
        assert other > pinned

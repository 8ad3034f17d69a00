"""The real MiniLM embedder: query embeddings through the ONNX export, on
their own thread, giving the same vectors as the PyTorch batch path."""

from __future__ import annotations

import asyncio
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

from kenning.api.runtime import load_embedder
from kenning.config import load_settings
from kenning.embed import onnx_query
from kenning.embed.onnx_query import OnnxQueryEncoder
from kenning.embed.sentence_transformers import SentenceTransformerEmbedder, resolve_model_path

TEXTS = [
    "When did Caroline go to the LGBTQ support group?",
    "hi",
    "Melanie: I ran a charity race for mental health last Saturday, it was so rewarding!",
    "word " * 400,  # past the model's 256 tokens: both paths truncate
]


def _embedder() -> SentenceTransformerEmbedder:
    embedder = load_embedder(load_settings())  # the process's cached model
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


def _cached_export(tmp_path: Path) -> Path:
    """A copy of the export the default settings made, in ``tmp_path``."""
    _embedder()  # loading it makes the export if this machine has none yet
    key = onnx_query._cache_key(resolve_model_path("all-MiniLM-L6-v2"))
    cached = load_settings().model_cache_dir / "onnx" / f"query-{key}.onnx"
    copy = tmp_path / cached.name
    shutil.copyfile(cached, copy)
    return copy


def _load(cache_dir: Path) -> OnnxQueryEncoder | None:
    model = _embedder()._model
    return OnnxQueryEncoder.load(model, resolve_model_path("all-MiniLM-L6-v2"), cache_dir, 1)


async def test_query_embedding_matches_the_batch_embedding() -> None:
    embedder = _embedder()
    assert embedder._onnx is not None, "the default settings embed queries with ONNX Runtime"
    batch = await asyncio.to_thread(embedder.embed, TEXTS)
    for text, expected in zip(TEXTS, batch, strict=True):
        one = await embedder.embed_query(text)
        assert one.shape == (384,)
        assert one.dtype == np.float32
        np.testing.assert_allclose(one, expected, atol=1e-5)
    assert float(batch[0] @ batch[2]) < 0.9  # different texts, different vectors


def test_cached_export_is_reused(tmp_path: Path) -> None:
    copy = _cached_export(tmp_path)
    before = copy.stat().st_mtime_ns
    assert _load(tmp_path) is not None
    assert copy.stat().st_mtime_ns == before
    assert [p.name for p in tmp_path.iterdir()] == [copy.name]


def test_broken_cache_file_is_exported_again(tmp_path: Path) -> None:
    copy = _cached_export(tmp_path)
    copy.write_bytes(b"not an onnx model")
    encoder = _load(tmp_path)
    assert encoder is not None
    assert copy.stat().st_size > 50_000_000  # the weights are in the one file
    np.testing.assert_allclose(encoder.encode(TEXTS[0]), _embedder().embed(TEXTS[:1])[0], atol=1e-5)


def test_export_that_disagrees_with_pytorch_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _cached_export(tmp_path)
    exported = copy.read_bytes()
    # No vector is within a negative distance, so the cached file fails the
    # probe, and so does the "fresh export" (the same bytes); PyTorch stays.
    monkeypatch.setattr(onnx_query, "TOLERANCE", -1.0)
    monkeypatch.setattr(onnx_query, "_export", lambda model, path: path.write_bytes(exported))
    assert _load(tmp_path) is None
    assert not copy.exists()


def test_query_thread_keeps_its_own_torch_thread_count() -> None:
    """torch's per-thread setting is what the PyTorch query path relies on; if
    a torch release made it process-wide, batches would run on one core."""
    embedder = _embedder()
    process_wide = torch.get_num_threads()
    pinned = embedder._queries.submit(torch.get_num_threads).result()
    with ThreadPoolExecutor(1) as fresh:
        other = fresh.submit(torch.get_num_threads).result()
    assert pinned == load_settings().embedding_query_threads == 1
    assert other == process_wide
    if process_wide > 1:  # a one-core machine has nothing to tell apart
        assert other > pinned

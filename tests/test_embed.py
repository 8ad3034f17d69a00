"""The real MiniLM embedder: batches and queries through the ONNX export,
giving the same vectors as PyTorch, with one copy of the weights."""

from __future__ import annotations

import asyncio
import functools
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

from kenning.api.runtime import load_embedder
from kenning.config import load_settings
from kenning.embed import onnx_encoder
from kenning.embed.onnx_encoder import OnnxEncoder
from kenning.embed.sentence_transformers import (
    SentenceTransformerEmbedder,
    _query_executor,
    resolve_model_path,
)

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
    """A copy of the export the default settings made (and its probe), in ``tmp_path``."""
    _embedder()  # loading it makes the export if this machine has none yet
    key = onnx_encoder._cache_key(resolve_model_path("all-MiniLM-L6-v2"))
    cached = load_settings().model_cache_dir / "onnx" / f"query-{key}.onnx"
    copy = tmp_path / cached.name
    shutil.copyfile(cached, copy)
    shutil.copyfile(cached.with_suffix(".probe.npy"), copy.with_suffix(".probe.npy"))
    return copy


@functools.cache
def _pytorch() -> SentenceTransformerEmbedder:
    """The same model run in PyTorch only (no ONNX cache dir)."""
    return SentenceTransformerEmbedder("all-MiniLM-L6-v2")


def _load(cache_dir: Path, calls: list[int] | None = None) -> OnnxEncoder | None:
    def model() -> object:
        if calls is not None:
            calls.append(1)
        return _pytorch()._model

    return OnnxEncoder.load(resolve_model_path("all-MiniLM-L6-v2"), cache_dir, 1, 2, model)


async def test_query_embedding_matches_the_batch_embedding() -> None:
    embedder = _embedder()
    assert embedder._onnx is not None, "the default settings embed with ONNX Runtime"
    batch = await asyncio.to_thread(embedder.embed, TEXTS)
    for text, expected in zip(TEXTS, batch, strict=True):
        one = await embedder.embed_query(text)
        assert one.shape == (384,)
        assert one.dtype == np.float32
        np.testing.assert_allclose(one, expected, atol=1e-5)
    assert float(batch[0] @ batch[2]) < 0.9  # different texts, different vectors


def test_onnx_batches_match_pytorch_in_any_order() -> None:
    """Length-sorted chunks run on two threads still give every text its own
    PyTorch vector, in the order asked, repeated texts included."""
    texts = [f"{t} {i}" if i % 3 else t for i, t in enumerate(TEXTS * 12)]
    onnx = _embedder().embed(texts)
    torch_rows = _pytorch().embed(texts)
    assert onnx.shape == (len(texts), 384)
    assert onnx.dtype == np.float32
    np.testing.assert_allclose(onnx, torch_rows, atol=1e-5)


def test_default_embedder_holds_one_copy_of_the_weights() -> None:
    """With the export in use, the PyTorch model (made only to export) is gone."""
    assert _embedder()._onnx is not None
    assert _embedder()._model is None


def test_cached_export_is_reused_without_pytorch(tmp_path: Path) -> None:
    copy = _cached_export(tmp_path)
    before = copy.stat().st_mtime_ns
    calls: list[int] = []
    assert _load(tmp_path, calls) is not None
    assert calls == [], "a cached export needs no PyTorch model"
    assert copy.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [copy.name, copy.with_suffix(".probe.npy").name]
    )


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
    monkeypatch.setattr(onnx_encoder, "TOLERANCE", -1.0)
    monkeypatch.setattr(onnx_encoder, "_export", lambda model, path: path.write_bytes(exported))
    assert _load(tmp_path) is None
    assert not copy.exists()
    assert not copy.with_suffix(".probe.npy").exists()


def test_query_thread_keeps_its_own_torch_thread_count() -> None:
    """torch's per-thread setting is what the PyTorch query path relies on; if
    a torch release made it process-wide, batches would run on one core."""
    process_wide = torch.get_num_threads()
    pinned = _query_executor(1).submit(torch.get_num_threads).result()
    with ThreadPoolExecutor(1) as fresh:
        other = fresh.submit(torch.get_num_threads).result()
    assert pinned == load_settings().embedding_query_threads == 1
    assert other == process_wide
    if process_wide > 1:  # a one-core machine has nothing to tell apart
        assert other > pinned

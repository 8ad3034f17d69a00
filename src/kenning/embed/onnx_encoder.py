"""Embeddings through ONNX Runtime: the same model, exported once.

PyTorch's per-operator overhead dominates small inputs: on the 2-core
benchmark machine one all-MiniLM-L6-v2 query takes ~15 ms in PyTorch on one
thread and ~6 ms in ONNX Runtime on one thread, with the same vector to
within 1e-6. Batches (ingest) run here too, split into length-sorted chunks
that run side by side on one session (one copy of the weights), one chunk
per core (see :meth:`OnnxEncoder.encode_batch` for what that bought).

The export (``torch.onnx``, ~10 s) is cached on disk under a key of the model
files and the library versions, beside PyTorch's vector of a probe text.
Every load checks the session against that vector, so a stale or broken file
is never used, and a cached export is loaded without PyTorch's copy of the
weights (issue 15: one copy of the model in memory).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
#: Most texts in one run of a batch. 320 LoCoMo turns, sorted by length, took
#: 7.8 CPU s in runs of 16, 10.3 in runs of 64 (less padding), 17.0 unsorted in
#: runs of 64, and 13.4 in PyTorch (busy 2-core machine; the ratios matter).
CHUNK = 16
#: The model's longest input when its ``sentence_bert_config.json`` does not say.
DEFAULT_MAX_TOKENS = 256


class OnnxEncoder:
    """Encodes texts with one ONNX Runtime session. Thread-safe.

    Use :meth:`load`; the constructor takes an already built session.

    Args:
        session: An ``onnxruntime.InferenceSession`` with inputs
            ``input_ids`` and ``attention_mask`` and one output, ``(batch,
            dimension)`` float32 unit rows. ``run`` is thread-safe.
        tokenizer: A ``tokenizers.Tokenizer`` of the model, truncating to the
            model's longest input and padding to the longest text of a call.
            Its settings are made once here and never changed, so threads
            can share it (a Hugging Face fast tokenizer rewrites them on
            every call: issue 9's ``expected sequence of length 21``).
        batch_threads: Chunks of a batch run side by side on this many threads.
    """

    def __init__(self, session: Any, tokenizer: Any, batch_threads: int = 1) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._batch_threads = max(1, batch_threads)
        self._pool = ThreadPoolExecutor(self._batch_threads, thread_name_prefix="kenning-embed")
        self.dimension = int(self.encode(_PROBE).shape[0])

    def encode(self, text: str) -> npt.NDArray[np.float32]:
        """The text's vector: ``(dimension,)`` float32, unit length. Thread-safe."""
        row: npt.NDArray[np.float32] = self._run([text])[0]
        return row

    def encode_batch(self, texts: Sequence[str], batch_size: int) -> npt.NDArray[np.float32]:
        """``(len(texts), dimension)`` float32 unit rows, in the order given.

        Texts are sorted by length so a chunk pads little, cut into chunks
        of at most ``batch_size`` and :data:`CHUNK` (smaller when that leaves
        a core idle), and
        the chunks run side by side on ``batch_threads`` threads. One chunk
        per core on a one-thread session beat one session running each chunk
        on every core: the operators of a MiniLM chunk are too small to split
        well, and two chunks need no synchronisation between cores.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        size = max(1, min(batch_size, CHUNK, -(-len(texts) // self._batch_threads)))
        chunks = [order[i : i + size] for i in range(0, len(texts), size)]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        parts = self._pool.map(lambda idx: self._run([texts[i] for i in idx]), chunks)
        for idx, rows in zip(chunks, parts, strict=True):
            out[idx] = rows
        return out

    def _run(self, texts: list[str]) -> npt.NDArray[np.float32]:
        encodings = self._tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        }
        rows: npt.NDArray[np.float32] = self._session.run(None, feeds)[0]
        return rows

    @classmethod
    def load(
        cls,
        model_path: str,
        cache_dir: Path,
        threads: int,
        batch_threads: int,
        pytorch_model: Callable[[], Any],
    ) -> OnnxEncoder | None:
        """An encoder for the model at ``model_path``, or None when ONNX
        Runtime is missing, the model has no ``tokenizer.json``, or the export
        fails or disagrees with PyTorch (the caller then keeps PyTorch; the
        reason is logged).

        Args:
            model_path: The model's local folder; part of the cache key.
            cache_dir: Exports are kept here as ``query-<key>.onnx`` (~90 MB;
                named when only queries used them) with ``.probe.npy`` beside.
            threads: ONNX Runtime intra-op threads of one run.
            batch_threads: Chunks of a batch run side by side on this many threads.
            pytorch_model: Gives the ``SentenceTransformer``; called only when
                there is no usable export yet (to export it and make the probe).
        """
        try:
            import onnxruntime
            import tokenizers
        except ImportError:
            log.warning("onnxruntime is not installed; the model runs in PyTorch")
            return None
        path = cache_dir / f"query-{_cache_key(model_path)}.onnx"
        probe = path.with_suffix(".probe.npy")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1

        def encoder() -> OnnxEncoder:
            session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
            tokenizer = tokenizers.Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
            tokenizer.enable_truncation(_max_tokens(model_path))
            pad = tokenizer.token_to_id("[PAD]")
            tokenizer.enable_padding(pad_id=0 if pad is None else pad)
            return cls._checked(cls(session, tokenizer, batch_threads), path, np.load(probe))

        try:
            if path.exists():
                try:
                    if not probe.exists():  # an export made before probes were kept
                        _save_probe(pytorch_model(), probe)
                    return encoder()
                except Exception as exc:  # a truncated or foreign file: export again
                    log.warning("cached ONNX encoder unusable (%s); exporting again", exc)
            model = pytorch_model()
            _export(model, path)
            _save_probe(model, probe)
            return encoder()
        except Exception as exc:  # exporters and runtimes raise many unrelated types
            log.warning("ONNX encoder unavailable (%s); using PyTorch", exc)
            return None

    @classmethod
    def _checked(
        cls, encoder: OnnxEncoder, path: Path, expected: npt.NDArray[np.float32]
    ) -> OnnxEncoder:
        """The encoder, if it gives PyTorch's vector for the probe text.

        Raises:
            ValueError: it does not (the export and its probe are removed).
        """
        gap = float(np.abs(encoder.encode(_PROBE) - expected).max())
        if gap > TOLERANCE:
            path.unlink(missing_ok=True)
            path.with_suffix(".probe.npy").unlink(missing_ok=True)
            raise ValueError(f"its vectors differ from PyTorch's by {gap:.2g}")
        log.info("the embedding model runs in ONNX Runtime (%s)", path)
        return encoder


def _save_probe(model: Any, probe: Path) -> None:
    """Write PyTorch's vector of the probe text to ``probe`` (``.npy``)."""
    expected = model.encode(
        [_PROBE], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )[0]
    np.save(probe, np.asarray(expected, dtype=np.float32))


def _max_tokens(model_path: str) -> int:
    """``max_seq_length`` of the model's ``sentence_bert_config.json``."""
    try:
        config = json.loads((Path(model_path) / "sentence_bert_config.json").read_text())
        return int(config.get("max_seq_length") or DEFAULT_MAX_TOKENS)
    except (OSError, ValueError):
        return DEFAULT_MAX_TOKENS


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
    log.info("exporting the embedding model to ONNX (once, ~10 s): %s", path)
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

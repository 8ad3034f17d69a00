"""The Embedder port."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt


class Embedder(Protocol):
    """Maps texts to unit-length vectors for cosine similarity."""

    #: Vector size, e.g. 384 for all-MiniLM-L6-v2.
    dimension: int

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed texts in batches.

        Returns:
            ``(len(texts), dimension)`` float32, each row L2-normalised.

        Raises:
            ModelError: the model could not run.
        """
        ...

    async def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """Embed one search query without blocking the event loop.

        Returns:
            ``(dimension,)`` float32, L2-normalised, comparable with
            :meth:`embed`'s rows.

        Raises:
            ModelError: the model could not run.
        """
        ...

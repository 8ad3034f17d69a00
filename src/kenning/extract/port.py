"""The Extractor port."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kenning.domain.models import Episode, Extraction


class Extractor(Protocol):
    """Finds entities and subject-predicate-object triples in episodes.

    Implementations are CPU-bound and synchronous; the ingest worker calls them
    in a thread. They must return one :class:`Extraction` per episode, in order,
    even when nothing was found (the episode is kept either way).
    """

    def extract(self, episodes: Sequence[Episode]) -> list[Extraction]:
        """Extract from a batch of episodes.

        Args:
            episodes: Episodes with ``content``, ``speaker`` and ``occurred_at``
                (UTC); relative dates are resolved against ``occurred_at``.

        Returns:
            ``len(episodes)`` extractions, in the same order.

        Raises:
            ModelError: the model could not run.
        """
        ...

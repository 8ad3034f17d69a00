"""The Extractor port."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class ContextualExtractor(Extractor, Protocol):
    """An extractor that reads earlier turns of the conversation as context
    (the LLM extractors): the worker reads up to ``context_turns`` episodes
    said before a batch from the store and passes them as ``history``."""

    context_turns: int

    def extract_in_context(
        self, episodes: Sequence[Episode], history: Sequence[Episode]
    ) -> list[Extraction]:
        """Like :meth:`Extractor.extract`, with ``history`` (oldest first) as
        context only: nothing is extracted from it."""
        ...

"""The store port of retrieval logs: rows per (tenant, space), newest first.

Ids are time-ordered (:func:`kenning.domain.ids.new_id`), so "newest first"
is "highest id first" and a page cursor is the last id seen.
"""

from __future__ import annotations

from typing import Protocol

from kenning.domain.models import Scope
from kenning.retrievals.models import RetrievalLog


class RetrievalLogStore(Protocol):
    """Store methods of retrieval logs, filtered by tenant and space."""

    async def add_retrieval_log(self, scope: Scope, entry: RetrievalLog) -> None:
        """Store one row (its ``id`` is new)."""

    async def list_retrieval_logs(
        self, scope: Scope, limit: int, cursor: str | None = None
    ) -> list[RetrievalLog]:
        """Up to ``limit`` rows, newest first, those with an id below
        ``cursor`` when it is given."""

    async def get_retrieval_log(self, scope: Scope, log_id: str) -> RetrievalLog | None:
        """One row, or None."""

    async def prune_retrieval_logs(self, scope: Scope, keep: int) -> int:
        """Delete the space's rows beyond the newest ``keep``; returns how many."""

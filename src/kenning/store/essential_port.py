"""The store port of essential memory: a space's current facts with their
support, and a marker that changes whenever the space's facts change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kenning.domain.models import NO_CATEGORY, CategoryFilter, Fact, Scope


@dataclass(frozen=True, slots=True)
class SupportedFact:
    """A current fact and how many episodes state it (0 for a posted fact)."""

    fact: Fact
    support: int


class EssentialStore(Protocol):
    """Reads of essential memory; filtered by tenant and space."""

    async def essential_facts(
        self,
        scope: Scope,
        predicates: list[str],
        now: datetime,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[SupportedFact]:
        """Facts of ``predicates`` valid at ``now`` (UTC) and current (not
        expired, not superseded), of ``categories`` (default: any), any order."""

    async def space_marker(self, scope: Scope) -> str:
        """A short text that changes whenever a fact of the space is added,
        restated, superseded, invalidated or deleted (equal texts: unchanged)."""

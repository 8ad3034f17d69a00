"""Valid-time intervals of the facts of one subject and one predicate (pure).

A functional predicate (``lives_in``, ``works_at``, ...) has at most one valid
fact per subject at any instant. The intervals are a function of what sources
stated, never of the order in which they arrived, so ingesting the same
episodes in any order gives the same intervals:

1. Each fact is *anchored* at its stated start; when the start is unknown, at
   the earliest instant a source is known to have stated it (``observed_at``),
   or its stated end if that is earlier.
2. Facts are ordered by anchor (ties: object key, then id).
3. A fact ends at its stated end, or where the next fact (with another object)
   is anchored, whichever is first; in the second case it is *superseded* by
   that fact.
4. A fact whose start is unknown starts where the previous fact ends: the
   earliest start consistent with the predicate being functional; after a
   fact of the same object (which ended on its own), at its anchor. The first
   fact keeps an unknown start (``None``): unknown stays unknown.

The resulting half-open intervals ``[valid_from, valid_to)`` never overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Link:
    """What sources stated about one fact of a chain.

    Attributes:
        id: The fact id.
        object_key: Normalised object name (orders facts anchored together).
        stated_from: Start stated by a source (UTC), or None when unknown.
        stated_to: End stated by a source or a correction (UTC, exclusive), or None.
        observed_at: Earliest instant a source stated the fact (UTC): the
            ``occurred_at`` of its first episode, or when it was posted.
    """

    id: str
    object_key: str
    stated_from: datetime | None
    stated_to: datetime | None
    observed_at: datetime


@dataclass(frozen=True, slots=True)
class Interval:
    """A fact's valid time, and the fact that closed it (if one did)."""

    valid_from: datetime | None
    valid_to: datetime | None
    superseded_by: str | None = None


def anchor(link: Link) -> datetime:
    """The instant a fact is placed at in its chain (see the module docstring)."""
    if link.stated_from is not None:
        return link.stated_from
    if link.stated_to is not None and link.stated_to < link.observed_at:
        return link.stated_to
    return link.observed_at


def own_end(link: Link) -> datetime | None:
    """The stated end, never before the anchor: a contradictory end (before
    the stated start) is read as ending the fact where it starts."""
    if link.stated_to is None:
        return None
    return max(link.stated_to, anchor(link))


def stated_interval(link: Link) -> Interval:
    """The interval of a fact of a non-functional predicate: as stated."""
    return Interval(link.stated_from, own_end(link))


def resolve_chain(links: Sequence[Link]) -> dict[str, Interval]:
    """Intervals of the facts of one subject and one functional predicate.

    Args:
        links: Every live fact of the chain, in any order.

    Returns:
        ``{fact id: Interval}``; intervals are disjoint and ordered by anchor.
    """
    ordered = sorted(links, key=lambda link: (anchor(link), link.object_key, link.id))
    result: dict[str, Interval] = {}
    previous_end: datetime | None = None
    for i, link in enumerate(ordered):
        start = link.stated_from if link.stated_from is not None or i == 0 else previous_end
        if link.stated_from is None and i > 0 and ordered[i - 1].object_key == link.object_key:
            # The same value again after it ended: it was not true in between,
            # so it starts no earlier than when it was said again.
            start = anchor(link)
        end, superseded_by = own_end(link), None
        if i + 1 < len(ordered):
            successor = ordered[i + 1]
            cut = anchor(successor)
            if end is None or cut < end:
                end, superseded_by = cut, successor.id
        result[link.id] = Interval(start, end, superseded_by)
        previous_end = end
    return result

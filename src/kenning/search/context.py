"""Prompt-ready context: the best facts and episodes, with dates, in a token budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kenning.domain.models import SearchHit
from kenning.embed.tokens import TokenCounter
from kenning.ingest.graph_write import searchable_text

FACTS_HEADER = "Facts:"
EPISODES_HEADER = "Conversation excerpts:"


@dataclass(slots=True)
class ContextBlock:
    """A rendered block and what went into it.

    ``tokens`` is the count of ``text`` by ``tokenizer`` and never exceeds
    ``budget``; ``hits`` are the results included, in rank order.
    """

    text: str
    tokens: int
    budget: int
    tokenizer: str
    hits: list[SearchHit] = field(default_factory=list)


def _day(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d") if at else ""


def fact_line(hit: SearchHit) -> str:
    """``- text (valid from A to B)``; open ends are left out."""
    span = []
    if hit.valid_from:
        span.append(f"from {_day(hit.valid_from)}")
    if hit.valid_to:
        span.append(f"until {_day(hit.valid_to)}")
    return f"- {hit.text}" + (f" ({' '.join(span)})" if span else "")


def episode_line(hit: SearchHit) -> str:
    """``- [date] speaker: what was said [image: caption]``."""
    text = searchable_text(hit.episode) if hit.episode else hit.text
    speaker = hit.episode.speaker if hit.episode else None
    who = f"{speaker}: " if speaker else ""
    return f"- [{_day(hit.occurred_at)}] {who}{text}"


def render_context(hits: Sequence[SearchHit], budget: int, counter: TokenCounter) -> ContextBlock:
    """The best hits that fit in ``budget`` tokens, facts first, then episodes.

    Hits are taken in rank order; one that does not fit is skipped and a
    later, shorter one may still go in. A section's header is paid for only
    when the section has a line. Lines are joined with newlines, which the
    WordPiece tokenizer does not count, so the block's count is the sum of
    its lines' counts (checked on the final text).

    Args:
        hits: Search results, best first.
        budget: Most tokens the block may hold (≥ 1).
        counter: The tokenizer that counts.

    Returns:
        The block; empty text and 0 tokens when nothing fits.
    """
    header_cost = {"fact": counter.count(FACTS_HEADER), "episode": counter.count(EPISODES_HEADER)}
    lines: dict[str, list[str]] = {"fact": [], "episode": []}
    chosen: list[SearchHit] = []
    used = 0
    for hit in hits:
        line = fact_line(hit) if hit.kind == "fact" else episode_line(hit)
        cost = counter.count(line) + (0 if lines[hit.kind] else header_cost[hit.kind])
        if used + cost > budget:
            continue
        lines[hit.kind].append(line)
        chosen.append(hit)
        used += cost
    sections = [
        "\n".join([header, *lines[kind]])
        for kind, header in (("fact", FACTS_HEADER), ("episode", EPISODES_HEADER))
        if lines[kind]
    ]
    text = "\n\n".join(sections)
    tokens = counter.count(text)
    if tokens > budget:  # only if a tokenizer counted across line breaks
        return render_context(chosen[:-1], budget, counter)
    return ContextBlock(text, tokens, budget, counter.name, chosen)

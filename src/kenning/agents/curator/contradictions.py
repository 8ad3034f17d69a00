"""Contradictions: two current facts that cannot both hold at one instant.

Two kinds of pair, both found by graph patterns (Cypher): a functional
predicate with two objects over overlapping valid intervals, and a
configured pair of opposite predicates (``likes`` / ``dislikes``, and every
``p`` / ``not_p``) between the same subject and object. The auto-fix keeps
the better-supported fact (more episodes, then the newer: later start, then
later statement) and closes the other: its valid time ends where the kept
one starts when it started earlier (a stated correction, so supersession
keeps it), otherwise it is expired in transaction time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from kenning.agents.curator.changes import ChangeLog
from kenning.agents.curator.options import CuratorOptions
from kenning.agents.models import AgentContext, InsightDraft, fingerprint
from kenning.store.curator_port import FactBrief
from kenning.store.portable_port import PortableItem
from kenning.store.temporal_port import Correction
from kenning.store.temporal_queries import decode_correction, encode_correction

_EARLIEST = datetime.min.isoformat()


@dataclass(frozen=True, slots=True)
class Contradiction:
    """Two facts that cannot both hold; ``kind`` is ``functional`` or ``opposite``."""

    kind: str
    first: FactBrief
    second: FactBrief

    @property
    def winner(self) -> FactBrief:
        """The better-supported fact (more episodes, then newer)."""
        return max((self.first, self.second), key=_support)

    @property
    def loser(self) -> FactBrief:
        """The other one."""
        return self.second if self.winner is self.first else self.first

    def draft(self) -> InsightDraft:
        """The insight, with both facts and their episodes as evidence."""
        a, b, keep = self.first, self.second, self.winner
        why = (
            f"`{a.predicate}` is single-valued"
            if self.kind == "functional"
            else f"`{a.predicate}` and `{b.predicate}` are opposites"
        )
        body = "\n".join(
            [
                f"{why}, and both facts hold over one interval:",
                "",
                *(f"- {_line(f)}" for f in (a, b)),
                "",
                f"Better supported: {keep.id} ({len(keep.episode_ids)} episodes).",
            ]
        )
        title = f"{a.subject} {a.predicate} {a.object} vs {b.subject} {b.predicate} {b.object}"
        return InsightDraft(
            agent="curator",
            kind="contradiction",
            title=title[:300],
            body=body,
            score=0.9 if self.kind == "functional" else 0.8,
            fingerprint=fingerprint("contradiction", a.id, b.id),
            entity_ids=sorted({a.subject_id, a.object_id, b.object_id}),
            fact_ids=[a.id, b.id],
            episode_ids=sorted({*a.episode_ids, *b.episode_ids}),
            data={"rule": self.kind, "keep": keep.id, "close": self.loser.id},
        )


def _support(fact: FactBrief) -> tuple[int, str, str, str]:
    start = fact.valid_from.isoformat() if fact.valid_from else _EARLIEST
    return (len(fact.episode_ids), start, fact.stated_at.isoformat(), fact.id)


def _line(fact: FactBrief) -> str:
    since = fact.valid_from.date().isoformat() if fact.valid_from else "…"
    until = fact.valid_to.date().isoformat() if fact.valid_to else "…"
    return (
        f"{fact.id}: {fact.subject} | {fact.predicate} | {fact.object} [{since} – {until}] "
        f"({len(fact.episode_ids)} episodes): {fact.text}"
    )


def opposite_pairs(predicates: list[str], opts: CuratorOptions) -> list[tuple[str, str]]:
    """Configured opposite pairs present in the space, plus ``p`` / ``not_p``."""
    present = set(predicates)
    pairs = {(p, q) for p, q in opts.opposite_predicates if p in present and q in present}
    pairs |= {(p, f"not_{p}") for p in present if f"not_{p}" in present}
    return sorted(pairs)


async def find_contradictions(
    ctx: AgentContext, opts: CuratorOptions, predicates: list[str]
) -> list[Contradiction]:
    """Every contradicting pair of current facts in the space."""
    store, scope = ctx.store, ctx.scope
    functional = sorted(opts.functional_predicates & set(predicates))
    found = [
        Contradiction("functional", *_ordered(a, b))
        for a, b in await store.curator_functional_overlaps(scope, functional)
    ]
    pairs = opposite_pairs(predicates, opts)
    found += [
        Contradiction("opposite", a, b)
        for a, b in await store.curator_opposite_overlaps(scope, pairs)
    ]
    return sorted(found, key=lambda c: (c.first.subject, c.first.predicate, c.first.object))


def _ordered(a: FactBrief, b: FactBrief) -> tuple[FactBrief, FactBrief]:
    """Two facts of one functional chain in the order their names sort (ids
    differ between copies of a graph; insights should not)."""
    return (a, b) if (a.object, a.id) <= (b.object, b.id) else (b, a)


def _overlap(a: PortableItem, b: PortableItem) -> bool:
    af, at = a.props.get("valid_from"), a.props.get("valid_to")
    bf, bt = b.props.get("valid_from"), b.props.get("valid_to")
    return (af is None or bt is None or af < bt) and (bf is None or at is None or bf < at)


def closed(loser: PortableItem, winner: PortableItem, run_id: str, now: datetime) -> PortableItem:
    """``loser`` closed in favour of ``winner``: valid until the winner starts
    when it started earlier, else expired in transaction time."""
    reason = f"curator: contradicts {winner.id} (better supported; run {run_id})"
    start, end = loser.props.get("valid_from"), winner.props.get("valid_from")
    if end is not None and (start is None or start < end):
        fix = decode_correction(loser.props.get("correction")) or Correction()
        fix = replace(fix, valid_to=end, sets_valid_to=True)
        props = {
            **loser.props,
            "valid_to": end,
            "superseded_by": winner.id,
            "invalidation_reason": reason,
            "correction": encode_correction(fix),
        }
    else:
        props = {**loser.props, "expired_at": now, "latest": False, "invalidation_reason": reason}
    return replace(loser, props=props)


async def close_contradiction(log: ChangeLog, item: Contradiction) -> int:
    """Close the loser of ``item`` if both facts still contradict; 1 if closed."""
    keep, drop = item.winner.id, item.loser.id
    before = await log.store.curator_read(log.scope, fact_ids=[keep, drop])
    facts = {f.id: f for f in before.facts}
    if keep not in facts or drop not in facts:
        return 0
    winner, loser = facts[keep], facts[drop]
    live = all(f.props.get("expired_at") is None for f in (winner, loser))
    if not live or not _overlap(winner, loser):
        return 0  # an earlier fix settled it
    after = replace(before, facts=[winner, closed(loser, winner, log.run_id, log.now)])
    await log.apply("close_contradiction", replace(before, facts=[winner, loser]), after)
    return 1

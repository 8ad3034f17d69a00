"""Stale facts: current facts no episode has supported for longer than the
horizon of their predicate's class (see
:func:`~kenning.agents.curator.names.predicate_class`); events never go stale.

The pattern (current, valid now, newest supporting episode before the
cutoff) is Cypher; the class of each predicate is a string rule here. Once
stale, confidence decays with the class's half-life from the last support:
``confidence × 0.5 ** (days / half_life)``. The auto-fix stores the decayed
confidence and ``decayed_at``; a later run decays only for the time since,
so running twice at one instant changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from kenning.agents.curator.changes import ChangeLog
from kenning.agents.curator.names import predicate_class
from kenning.agents.curator.options import CuratorOptions
from kenning.agents.models import AgentContext, InsightDraft, fingerprint
from kenning.store.curator_port import StaleFact

_DAY = timedelta(days=1)
#: Smallest confidence change worth a write.
MIN_DECAY = 1e-4


@dataclass(frozen=True, slots=True)
class Stale:
    """A stale fact with its class, age and decayed confidence."""

    item: StaleFact
    cls: str
    age_days: float
    half_life_days: float
    decayed: float

    def draft(self) -> InsightDraft:
        """The insight, with the fact and its episodes as evidence."""
        f = self.item.fact
        last = self.item.last_support.date().isoformat()
        body = (
            f"{f.subject} | {f.predicate} | {f.object} ({f.id}): no episode has supported "
            f"it since {last} ({self.age_days:.0f} days; {self.cls} facts go stale after "
            f"a horizon). Confidence {f.confidence:.2f} decays to {self.decayed:.2f} "
            f"(half-life {self.half_life_days:g} days).\n\n> {f.text}"
        )
        return InsightDraft(
            agent="curator",
            kind="stale_fact",
            title=f"Stale: {f.subject} {f.predicate} {f.object}"[:300],
            body=body,
            score=round(min(1.0, max(0.0, 1.0 - self.decayed / max(f.confidence, 1e-9))), 4),
            fingerprint=fingerprint("stale_fact", f.id),
            entity_ids=sorted({f.subject_id, f.object_id}),
            fact_ids=[f.id],
            episode_ids=list(f.episode_ids),
            data={
                "class": self.cls,
                "last_support": self.item.last_support.isoformat(),
                "age_days": round(self.age_days, 1),
                "confidence": f.confidence,
                "decayed_confidence": self.decayed,
            },
        )


def cutoffs(predicates: list[str], opts: CuratorOptions, now: datetime) -> dict[str, datetime]:
    """Per predicate that can go stale, the instant before which its last
    support makes it stale."""
    found: dict[str, datetime] = {}
    for predicate in predicates:
        cls = predicate_class(predicate, opts)
        horizon = opts.horizon_days.get(cls)
        if cls != "event" and horizon is not None:
            found[predicate] = now - horizon * _DAY
    return found


def decayed(item: StaleFact, half_life: float, now: datetime) -> float:
    """The confidence after decay for the time not yet decayed (since the
    last support, or since the last decay when that is later)."""
    since = max(item.last_support, item.decayed_at or item.last_support)
    days = max(0.0, (now - since) / _DAY)
    return float(round(item.fact.confidence * 0.5 ** (days / half_life), 4))


async def find_stale(
    ctx: AgentContext, opts: CuratorOptions, predicates: list[str], now: datetime
) -> list[Stale]:
    """Every stale fact of the space at ``now``."""
    rows = await ctx.store.curator_stale_facts(ctx.scope, cutoffs(predicates, opts, now), now)
    found: list[Stale] = []
    for row in rows:
        cls = predicate_class(row.fact.predicate, opts)
        half_life = opts.half_life_days.get(cls, opts.horizon_days[cls])
        age = (now - row.last_support) / _DAY
        found.append(Stale(row, cls, age, half_life, decayed(row, half_life, now)))
    return found


async def apply_decay(log: ChangeLog, items: list[Stale], batch: int) -> int:
    """Store decayed confidences, ``batch`` facts per change; facts changed."""
    todo = {s.item.fact.id: s for s in items if s.item.fact.confidence - s.decayed >= MIN_DECAY}
    ids = sorted(todo)
    changed = 0
    for start in range(0, len(ids), batch):
        before = await log.store.curator_read(log.scope, fact_ids=ids[start : start + batch])
        facts = [f for f in before.facts if f.props.get("expired_at") is None]
        if not facts:
            continue
        after = [
            replace(f, props={**f.props, "confidence": todo[f.id].decayed, "decayed_at": log.now})
            for f in facts
        ]
        await log.apply(
            "decay_confidence", replace(before, facts=facts), replace(before, facts=after)
        )
        changed += len(facts)
    return changed

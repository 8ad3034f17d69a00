"""``recurring_pattern``: the same (subject, predicate, object) stated on
several days at a regular rhythm ("Caroline goes to the support group about
monthly").

A restated fact keeps one statement per episode that said it. Each statement
dates one occurrence: its stated ``valid_from`` when the text gave a date
("last Saturday", grounded against the episode), else its ``observed_at``
(when the episode occurred). A pattern needs ``min_occurrences`` distinct
days whose gaps are alike (coefficient of variation at most ``max_gap_cv``);
its period is the median gap. A state restated with the same start date
("lives in Austin since 2019") has one day and never fires. Facts with the
same triple (a chain split by supersession) are read together.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from kenning.agents.connector.options import ConnectorOptions
from kenning.agents.models import InsightDraft, fingerprint
from kenning.store.connector_port import NamedRef, RestatedFact

#: Named rhythms: (name, shortest and longest median gap in days).
PERIODS: tuple[tuple[str, float, float], ...] = (
    ("daily", 0.5, 1.5),
    ("weekly", 5, 9),
    ("fortnightly", 12, 17),
    ("monthly", 25, 36),
    ("quarterly", 80, 100),
    ("yearly", 350, 380),
)


@dataclass(slots=True)
class Triple:
    """One (subject, predicate, object) with its occurrences by day."""

    subject: NamedRef
    predicate: str
    object: NamedRef
    fact_ids: set[str] = field(default_factory=set)
    days: dict[date, set[str]] = field(default_factory=dict)  # day -> episode ids


def period_name(days: float) -> str:
    """'weekly', 'monthly', ... for a median gap in days, else 'every N days'."""
    for name, low, high in PERIODS:
        if low <= days <= high:
            return name
    return f"every {days:g} days"


def group(facts: list[RestatedFact], now: datetime) -> list[Triple]:
    """Occurrence days of each triple, from its facts' statements observed
    by ``now`` (a run is reproducible)."""
    triples: dict[tuple[str, str, str], Triple] = {}
    for f in facts:
        t = triples.setdefault(
            (f.subject.id, f.predicate, f.object.id), Triple(f.subject, f.predicate, f.object)
        )
        t.fact_ids.add(f.id)
        for s in f.statements:
            if s.observed_at > now:
                continue
            day = (s.valid_from or s.observed_at).date()
            t.days.setdefault(day, set()).update(s.episode_ids)
    return sorted(triples.values(), key=lambda t: (t.subject.key, t.predicate, t.object.key))


def pattern_insights(
    facts: list[RestatedFact], now: datetime, opts: ConnectorOptions
) -> list[InsightDraft]:
    """Triples that recur at a regular rhythm by ``now``, as insights."""
    drafts = []
    for t in group(facts, now):
        days = sorted(t.days)
        if len(days) < max(opts.min_occurrences, 2):
            continue
        gaps = [(b - a).days for a, b in itertools.pairwise(days)]
        mean = statistics.fmean(gaps)
        cv = statistics.pstdev(gaps) / mean if mean else 0.0
        if cv > opts.max_gap_cv:
            continue
        drafts.append(_draft(t, days, gaps, cv))
    return drafts


def _draft(t: Triple, days: list[date], gaps: list[int], cv: float) -> InsightDraft:
    median = float(statistics.median(gaps))
    period = period_name(median)
    rhythm = period if not period.startswith("every") else f"about {period}"
    when = ", ".join(d.isoformat() for d in days[:12]) + (", ..." if len(days) > 12 else "")
    said = f"{t.subject.name} {t.predicate.replace('_', ' ')} {t.object.name}"
    body = (
        f"'{said}' occurs on {len(days)} days ({when}), {rhythm}: the median gap is "
        f"{median:g} days and the gaps vary by {cv:.0%} (coefficient of variation). "
        "Days are the statements' stated dates, else the dates of the episodes that "
        "said them."
    )
    episodes = sorted({e for d in days for e in t.days[d]})
    # More occurrences and steadier gaps make a surer pattern.
    score = (1.0 - 1.0 / len(days)) * max(0.0, 1.0 - cv)
    return InsightDraft(
        agent="connector",
        kind="recurring_pattern",
        title=f"{said}, {rhythm} ({len(days)} times)"[:300],
        body=body,
        score=round(score, 6),
        fingerprint=fingerprint("recurring_pattern", t.subject.id, t.predicate, t.object.id),
        entity_ids=[t.subject.id, t.object.id],
        fact_ids=sorted(t.fact_ids),
        episode_ids=episodes[:100],
        data={
            "predicate": t.predicate,
            "period": period,
            "median_gap_days": median,
            "gap_cv": round(cv, 6),
            "occurrences": [d.isoformat() for d in days],
        },
    )

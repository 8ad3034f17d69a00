"""The digest as text: a one-sentence headline and a markdown page.

A deterministic template over :class:`~kenning.agents.digest.body.DigestBody`
(the same body always renders the same text); dates are UTC.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from itertools import groupby

from kenning.agents.digest.body import Change, Counts, DigestBody, FactItem, PredicateTrend, Window


def period_label(window: Window) -> str:
    """``1 Mar 2024 – 7 Mar 2024`` for whole UTC days (the end day shown is
    the last one inside the window), else ``2024-03-01 10:00 – 2024-03-08 10:00 UTC``."""
    if window.start.time() == time() and window.end.time() == time():
        last = window.end - timedelta(days=1)
        if last.date() == window.start.date():
            return _day(window.start)
        return f"{_day(window.start)} – {_day(last)}"
    return f"{window.start:%Y-%m-%d %H:%M} – {window.end:%Y-%m-%d %H:%M} UTC"


def headline(body: DigestBody) -> str:
    """One sentence: what the period brought, against the previous one, and
    who was most active; or that nothing happened."""
    now, before = body.activity, body.trends.before
    where = f"{body.space}, {period_label(body.period)}"
    if _quiet(now):
        return f"{where}: no activity (previous period: {_summary(before)})."
    changes = f" and {_count(now.changes, 'change')}" if now.changes else ""
    text = (
        f"{where}: {_count(now.facts, 'new fact')}{changes} from "
        f"{_count(now.episodes, 'episode')} (previous period: {_summary(before)})"
    )
    if body.focus:
        text += "; most active: " + ", ".join(f.entity.name for f in body.focus[:3])
    return text + "."


def render_markdown(body: DigestBody) -> str:
    """The digest as a markdown page (sections in the order of the body)."""
    parts = [f"# Digest of {body.space}: {period_label(body.period)}", body.headline]
    if _quiet(body.activity):
        parts.append("Nothing was said and no fact changed in this period.")
    parts += [_highlights(body), _changes(body), _trends(body), _focus(body), _insights(body)]
    return "\n\n".join(p for p in parts if p) + "\n"


def _highlights(body: DigestBody) -> str:
    if not body.highlights:
        return ""
    lines = ["## Highlights"]
    for h in body.highlights:
        lines.append(f"\n**{h.entity.name}**: {_count(h.new_facts, 'new fact')}")
        # Facts taken from one sentence share its text: one line for them all.
        lines += [f"- {_facts(list(same))}" for _, same in groupby(h.facts, key=_statement)]
        if h.new_facts > len(h.facts):
            lines.append(f"- … and {h.new_facts - len(h.facts)} more")
    return "\n".join(lines)


def _changes(body: DigestBody) -> str:
    if not body.changes:
        return ""
    lines = ["## Changes"] + [f"- {_change(c)}" for c in body.changes]
    if body.changes_total > len(body.changes):
        lines.append(f"- … and {body.changes_total - len(body.changes)} more")
    return "\n".join(lines)


def _change(change: Change) -> str:
    old = _triple(change.old)
    if change.kind == "superseded":
        new = _triple(change.new) if change.new else "a fact no longer current"
        return f"{_day(change.at)}, superseded: {old} → {new}"
    reason = f" (reason: {change.reason})" if change.reason else ""
    return f"{_day(change.at)}, {change.kind}: {old} → no longer holds{reason}"


def _trends(body: DigestBody) -> str:
    t, now = body.trends, body.activity
    rows = [
        ("episodes", now.episodes, t.before.episodes),
        ("new facts", now.facts, t.before.facts),
        ("active entities", now.entities, t.before.entities),
        ("changes", now.changes, t.before.changes),
    ]
    lines = [
        f"## Trends (against {period_label(t.previous)})",
        "",
        "| | this period | previous | change |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {name} | {a} | {b} | {a - b:+d} |" for name, a, b in rows]
    if t.rising:
        lines += ["", "Rising predicates: " + _predicates(t.rising)]
    if t.falling:
        lines += ["", "Falling predicates: " + _predicates(t.falling)]
    return "\n".join(lines)


def _focus(body: DigestBody) -> str:
    if not body.focus:
        return ""
    lines = ["## Focus areas"]
    lines += [
        f"{i}. **{f.entity.name}**: {_count(f.facts, 'new fact')}, {_count(f.mentions, 'mention')}"
        for i, f in enumerate(body.focus, start=1)
    ]
    return "\n".join(lines)


def _insights(body: DigestBody) -> str:
    lines = ["## Open insights"]
    if not body.insights:
        lines.append("None open from the curator or the connector.")
    lines += [f"- {i.agent} · {i.kind}: {i.title} (score {i.score:.2f})" for i in body.insights]
    if body.insights_open > len(body.insights):
        lines.append(f"- … and {body.insights_open - len(body.insights)} more")
    return "\n".join(lines)


def _predicates(trends: list[PredicateTrend]) -> str:
    return ", ".join(f"`{p.predicate}` {p.previous} → {p.current}" for p in trends)


def _facts(facts: list[FactItem]) -> str:
    """Facts stated by one sentence: the sentence, the triples it gave when it
    is not just their words, when it was said and the valid time."""
    first = facts[0]
    text = _statement(first)
    triples = ", ".join(f"`{f.predicate}` {f.object.name}" for f in facts)
    shown = "" if len(facts) == 1 and text == _triple(first) else f" [{triples}]"
    valid = ""
    if first.valid_from and first.valid_to:
        valid = f", valid {_day(first.valid_from)} – {_day(first.valid_to)}"
    elif first.valid_from:
        valid = f", valid from {_day(first.valid_from)}"
    elif first.valid_to:
        valid = f", valid until {_day(first.valid_to)}"
    return f"{text}{shown} (said {_day(first.observed_at)}{valid})"


def _statement(fact: FactItem) -> str:
    """The fact's own text on one line, else its triple."""
    return " ".join(fact.text.split()) or _triple(fact)


def _triple(fact: FactItem) -> str:
    return f"{fact.subject.name} {fact.predicate.replace('_', ' ')} {fact.object.name}"


def _summary(counts: Counts) -> str:
    return f"{_count(counts.facts, 'new fact')}, {_count(counts.episodes, 'episode')}"


def _quiet(counts: Counts) -> bool:
    return counts.episodes == counts.facts == counts.changes == 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _day(at: datetime) -> str:
    return f"{at.day} {at:%b %Y}"

"""Gather a digest from the store's aggregations (the Cypher does the
counting and grouping; this module only arranges the results)."""

from __future__ import annotations

from kenning.agents.digest.body import (
    Change,
    Counts,
    DigestBody,
    FactItem,
    Focus,
    Highlight,
    OpenInsight,
    PredicateTrend,
    Trends,
    Window,
)
from kenning.agents.digest.options import DigestOptions, Period
from kenning.agents.digest.render import headline
from kenning.agents.models import EntityRef
from kenning.domain.models import Scope
from kenning.store.digest_port import DigestStore
from kenning.store.digest_port import PredicateTrend as StoredTrend

#: Whose open insights a digest lists.
INSIGHT_AGENTS = ["curator", "connector"]


async def compose(
    store: DigestStore, scope: Scope, period: Period, options: DigestOptions
) -> DigestBody:
    """The digest of ``scope`` over ``period``: six read-only queries.

    Raises:
        StoreUnavailable, StoreError: as the store does.
    """
    now = await store.digest_activity(scope, period.start, period.end, options.focus_limit)
    before = await store.digest_activity(scope, period.previous_start, period.start, 0)
    changes = await store.digest_changes(scope, period.start, period.end, options.change_limit)
    changed_before = await store.digest_changes(scope, period.previous_start, period.start, 0)
    highlights = await store.digest_highlights(
        scope, period.start, period.end, options.highlight_entities, options.highlight_facts
    )
    predicates = await store.digest_predicates(
        scope, period.previous_start, period.start, period.end
    )
    insights_open, insights = await store.digest_insights(
        scope, INSIGHT_AGENTS, options.insight_limit
    )
    current = Counts(
        episodes=now.episodes, facts=now.facts, entities=now.entities, changes=changes.total
    )
    previous = Counts(
        episodes=before.episodes,
        facts=before.facts,
        entities=before.entities,
        changes=changed_before.total,
    )
    focus = [
        Focus(entity=EntityRef(id=e.entity_id, name=e.name), facts=e.facts, mentions=e.mentions)
        for e in now.top
    ]
    body = DigestBody(
        space=scope.space,
        period=Window(start=period.start, end=period.end),
        period_rule=period.rule,
        headline="",
        activity=current,
        highlights=[
            Highlight(
                entity=EntityRef(id=h.entity_id, name=h.name),
                new_facts=h.total,
                facts=[FactItem.of(f) for f in h.facts],
            )
            for h in highlights
        ],
        changes=[
            Change(
                kind=c.kind,
                at=c.at,
                old=FactItem.of(c.old),
                new=FactItem.of(c.new) if c.new else None,
                reason=c.reason,
            )
            for c in changes.items
        ],
        changes_total=changes.total,
        trends=_trends(period, current, previous, predicates, options.trend_predicates),
        focus=focus,
        insights=[
            OpenInsight(id=i.id, agent=i.agent, kind=i.kind, title=i.title, score=i.score)
            for i in insights
        ],
        insights_open=insights_open,
    )
    return body.model_copy(update={"headline": headline(body)})


def _trends(
    period: Period,
    current: Counts,
    previous: Counts,
    predicates: list[StoredTrend],
    limit: int,
) -> Trends:
    # The store orders predicates by current - previous, most risen first.
    deltas = [
        PredicateTrend(
            predicate=p.predicate,
            current=p.current,
            previous=p.previous,
            delta=p.current - p.previous,
        )
        for p in predicates
    ]
    falling = sorted((d for d in deltas if d.delta < 0), key=lambda d: (d.delta, d.predicate))
    return Trends(
        previous=Window(start=period.previous_start, end=period.start),
        before=previous,
        delta=Counts(
            episodes=current.episodes - previous.episodes,
            facts=current.facts - previous.facts,
            entities=current.entities - previous.entities,
            changes=current.changes - previous.changes,
        ),
        rising=[d for d in deltas if d.delta > 0][:limit],
        falling=falling[:limit],
    )

"""The digest's JSON body: the ``data`` of a ``digest`` insight.

``DigestBody.model_dump(mode="json")`` is what is stored; instants are ISO
8601 in UTC. The markdown ``body`` of the insight is rendered from it
(:mod:`kenning.agents.digest.render`), so the two always agree, unless an
LLM rewrote the text from it (``text.by == "llm"``, see
:mod:`kenning.agents.digest.polish`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from kenning.agents.models import EntityRef
from kenning.domain.models import Model
from kenning.store.digest_port import DigestFact


class Window(Model):
    """A period ``[start, end)`` (aware UTC)."""

    start: datetime
    end: datetime


class FactItem(Model):
    """A fact as the digest shows it; ``observed_at`` is when it was first said."""

    id: str
    subject: EntityRef
    predicate: str
    object: EntityRef
    text: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    observed_at: datetime
    episode_ids: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, fact: DigestFact) -> FactItem:
        """From the store's row."""
        return cls(
            id=fact.id,
            subject=EntityRef(id=fact.subject_id, name=fact.subject),
            predicate=fact.predicate,
            object=EntityRef(id=fact.object_id, name=fact.object),
            text=fact.text,
            valid_from=fact.valid_from,
            valid_to=fact.valid_to,
            observed_at=fact.observed_at,
            episode_ids=list(fact.episode_ids),
        )


class Highlight(Model):
    """New facts about one subject: how many (``new_facts``) and the first few."""

    entity: EntityRef
    new_facts: int
    facts: list[FactItem]


class Change(Model):
    """A fact that stopped holding: ``old`` → ``new`` (superseded) or → nothing
    (invalidated by a user, or ended as a source said), at ``at``."""

    kind: Literal["superseded", "invalidated", "ended"]
    at: datetime
    old: FactItem
    new: FactItem | None = None
    reason: str | None = None


class Counts(Model):
    """Activity of one period: episodes said, new facts, active entities
    (mentioned or joined by a new fact), and facts that changed."""

    episodes: int
    facts: int
    entities: int
    changes: int


class PredicateTrend(Model):
    """New facts of one predicate now and in the previous period."""

    predicate: str
    current: int
    previous: int
    delta: int


class Trends(Model):
    """This period against the previous one of the same length."""

    previous: Window
    before: Counts
    delta: Counts
    rising: list[PredicateTrend]
    falling: list[PredicateTrend]


class Focus(Model):
    """An entity among the most active: new facts it joins, episodes naming it."""

    entity: EntityRef
    facts: int
    mentions: int


class OpenInsight(Model):
    """An open curator or connector insight of the space."""

    id: str
    agent: str
    kind: str
    title: str
    score: float


class TextSource(Model):
    """Who wrote the digest's headline and markdown: the deterministic
    ``template``, or an ``llm`` (``model`` under prompt version ``prompt``)
    that rewrote them from this JSON; ``fallback`` says why an LLM's text
    was not used (``timeout: ...``, ``refused: ...``)."""

    by: Literal["template", "llm"] = "template"
    model: str | None = None
    prompt: str | None = None
    fallback: str | None = None


class DigestBody(Model):
    """Everything a digest says about a space over a period.

    Attributes:
        space: The space.
        period: The period summarised; ``period_rule`` says how its end was
            chosen (``now``, ``latest`` episode's day, or ``given``).
        headline: One sentence.
        activity: This period's counts (``trends.before`` has the previous).
        highlights: New facts by subject, busiest subjects first.
        changes: Facts that stopped holding, in order (``changes_total`` in all).
        trends: Against the previous period of the same length.
        focus: The most active entities.
        insights: Open curator/connector insights (``insights_open`` in all).
        text: Who wrote the headline and markdown (template or LLM polish).
    """

    space: str
    period: Window
    period_rule: Literal["now", "latest", "given"]
    headline: str
    activity: Counts
    highlights: list[Highlight]
    changes: list[Change]
    changes_total: int
    trends: Trends
    focus: list[Focus]
    insights: list[OpenInsight]
    insights_open: int
    text: TextSource = Field(default_factory=TextSource)

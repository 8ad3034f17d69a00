"""What the memory agents produce: insight drafts, stored insights, runs.

An agent's analysis is an async function of an :class:`AgentContext` that
returns an :class:`AgentOutcome`; the run service stores its drafts as
insights (one open insight per fingerprint) and its stats on the run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from kenning.domain.models import Instant, ItemId, Model, Scope, SpaceId

if TYPE_CHECKING:
    from kenning.store.port import GraphStore

AgentName = Literal["curator", "connector", "digest"]
AGENTS: tuple[AgentName, ...] = ("curator", "connector", "digest")
#: Insight kinds by agent (the ``kind`` field of an insight).
KINDS: dict[AgentName, tuple[str, ...]] = {
    "curator": (
        "duplicate_entities",
        "contradiction",
        "stale_fact",
        "orphan_entity",
        "low_information_fact",
    ),
    "connector": ("suggested_link", "cluster", "bridge", "recurring_pattern"),
    "digest": ("digest",),
}
InsightStatus = Literal["open", "dismissed", "resolved"]
RunStatus = Literal["running", "succeeded", "failed", "undone"]
RunTrigger = Literal["manual", "schedule"]


def fingerprint(kind: str, *parts: str) -> str:
    """A stable identity for an insight: its kind and the sorted ids (or keys)
    it is about, so a re-run finds the open insight it would duplicate.
    40 hex characters (SHA-1; not a security boundary)."""
    text = "\x1f".join([kind, *sorted(parts)])
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class InsightDraft(Model):
    """An insight as an analysis proposes it (before it is stored).

    Attributes:
        agent, kind: Who found it and what it is (see :data:`KINDS`).
        title: One line for a list.
        body: Markdown explaining it with its evidence.
        score: 0..1; how sure or how important (the analysis says which).
        fingerprint: See :func:`fingerprint`.
        entity_ids, fact_ids, episode_ids: The evidence; ``entity_ids`` become
            ``ABOUT`` relationships.
        data: Structured details for programs (e.g. ``{"keep": entity_id}``
            for duplicates); JSON values only.
    """

    agent: AgentName
    kind: str
    title: str = Field(min_length=1, max_length=300)
    body: str
    score: float = Field(ge=0.0, le=1.0)
    fingerprint: str
    entity_ids: list[str] = Field(default_factory=list)
    fact_ids: list[str] = Field(default_factory=list)
    episode_ids: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)


class EntityRef(Model):
    """An entity an insight is about."""

    id: str
    name: str


class Insight(Model):
    """A stored insight, as the API shows it."""

    id: ItemId
    space: SpaceId
    agent: AgentName
    kind: str
    title: str
    body: str
    score: float
    status: InsightStatus
    fingerprint: str
    entities: list[EntityRef] = Field(default_factory=list)
    fact_ids: list[str] = Field(default_factory=list)
    episode_ids: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
    run_id: str
    created_at: Instant


class AgentRun(Model):
    """One run of one agent over one space."""

    id: ItemId
    space: SpaceId
    agent: AgentName
    trigger: RunTrigger
    auto_fix: bool
    started_at: Instant
    finished_at: Instant | None = None
    status: RunStatus
    stats: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


@dataclass(slots=True)
class AgentContext:
    """What an analysis gets.

    Attributes:
        store: The store port (every read and write goes through it).
        scope: The tenant and space analysed.
        run_id: The run the analysis belongs to (changes are recorded against it).
        now: The run's reference instant (aware UTC); analyses use it, never
            the clock, so a run is reproducible.
        auto_fix: Whether the curator may change the graph.
        options: Agent settings (horizons, half-lives, thresholds, period).
    """

    store: GraphStore
    scope: Scope
    run_id: str
    now: datetime
    auto_fix: bool = False
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class AgentOutcome:
    """What an analysis returns: insight drafts and run stats (counts, ms)."""

    insights: list[InsightDraft] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


Analysis = Callable[[AgentContext], Awaitable[AgentOutcome]]

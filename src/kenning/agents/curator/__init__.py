"""The curator agent: duplicates, contradictions, stale facts, orphans and
low-information facts; with ``auto_fix`` it repairs them, recording every
change against its run so :func:`undo_run` restores the graph exactly.

Each kind is one detector (a module of this package, a query file in
``cypher/common/agents/``). With ``auto_fix`` the detectors run in an order
where each sees the graph the previous fixes left: duplicates are merged
first (a merge can make two facts contradict), low-information facts are
expired before staleness is judged, orphans are removed last. A second run
at the same instant finds nothing left to fix (stale facts are still
reported: they stay stale, with their decay already applied).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from kenning.agents.curator.changes import ChangeLog, undo_changes
from kenning.agents.curator.cleanup import (
    expire_facts,
    find_low_information,
    low_information_draft,
    orphan_draft,
    remove_orphans,
)
from kenning.agents.curator.contradictions import close_contradiction, find_contradictions
from kenning.agents.curator.duplicates import find_duplicates
from kenning.agents.curator.merge import merge_group
from kenning.agents.curator.options import CURATOR_DEFAULTS, CuratorOptions
from kenning.agents.curator.stale import apply_decay, find_stale
from kenning.agents.models import AgentContext, AgentOutcome, InsightDraft
from kenning.domain.models import Scope, utcnow
from kenning.store.port import GraphStore

__all__ = ["CURATOR_DEFAULTS", "run_curator", "undo_run"]

#: Most rounds of duplicate detection and merging in one auto-fix run.
MERGE_ROUNDS = 5


def _ms(value: datetime) -> datetime:
    """``value`` at whole milliseconds, as both engines store instants (so a
    recorded "after" compares equal to what the graph holds)."""
    return value - timedelta(microseconds=value.microsecond % 1000)


class _Run:
    """One curator run: drafts, stats and (with auto-fix) the change log."""

    def __init__(self, ctx: AgentContext) -> None:
        self.ctx = ctx
        self.opts = CuratorOptions.from_options(ctx.options)
        self.now = _ms(ctx.now)
        self.log = ChangeLog(ctx.store, ctx.scope, ctx.run_id, self.now) if ctx.auto_fix else None
        self.drafts: list[InsightDraft] = []
        self.found: dict[str, int] = {}
        self.fixed: dict[str, int] = {}
        self.ms: dict[str, float] = {}
        self._started = time.perf_counter()

    def add(self, kind: str, drafts: list[InsightDraft], fixed: int | None = None) -> None:
        # One insight per fingerprint: an engine may answer a pattern with a
        # row twice (FalkorDB 4.16 did for an overlap found from both ends).
        unique = list({d.fingerprint: d for d in drafts}.values())
        for draft in unique:
            if fixed is not None:
                draft.data["auto_fixed"] = True
        # The best-scored first; ties by fingerprint, so both engines keep the same.
        unique.sort(key=lambda d: (-d.score, d.fingerprint))
        self.drafts += unique[: self.opts.max_insights_per_kind]
        self.found[kind] = len(unique)
        if fixed is not None:
            self.fixed[kind] = fixed
        self.ms[kind] = round((time.perf_counter() - self._started) * 1000, 1)
        self._started = time.perf_counter()

    async def duplicates(self) -> None:
        groups = await find_duplicates(self.ctx, self.opts)
        drafts = {d.fingerprint: d for d in (g.draft() for g in groups)}
        fixed = None
        if self.log is not None:
            fixed = 0
            # A merge gives the kept entity the merged one's neighbours, which
            # can make another pair share enough: merge until nothing is left
            # (bounded), so the next run finds nothing to merge.
            for _ in range(MERGE_ROUNDS):
                merged = sum([await merge_group(self.log, g) for g in groups])
                fixed += merged
                if not merged:
                    break
                groups = await find_duplicates(self.ctx, self.opts)
                drafts |= {d.fingerprint: d for d in (g.draft() for g in groups)}
        self.add("duplicate_entities", list(drafts.values()), fixed)

    async def contradictions(self, predicates: list[str]) -> None:
        found = await find_contradictions(self.ctx, self.opts, predicates)
        fixed = None
        if self.log is not None:
            fixed = sum([await close_contradiction(self.log, c) for c in found])
        self.add("contradiction", [c.draft() for c in found], fixed)

    async def low_information(self, predicates: list[str]) -> None:
        found = await find_low_information(self.ctx, self.opts, predicates)
        fixed = None
        if self.log is not None:
            fixed = await expire_facts(self.log, found, self.opts.batch)
        self.add("low_information_fact", [low_information_draft(f) for f in found], fixed)

    async def stale(self, predicates: list[str]) -> None:
        found = await find_stale(self.ctx, self.opts, predicates, self.now)
        fixed = None
        if self.log is not None:
            fixed = await apply_decay(self.log, found, self.opts.batch)
        self.add("stale_fact", [s.draft() for s in found], fixed)

    async def orphans(self) -> None:
        found = await self.ctx.store.curator_orphans(self.ctx.scope)
        fixed = None
        if self.log is not None:
            fixed = await remove_orphans(self.log, [i for i, _ in found], self.opts.batch)
        self.add("orphan_entity", [orphan_draft(i, n) for i, n in found], fixed)


async def run_curator(ctx: AgentContext) -> AgentOutcome:
    """Analyse ``ctx.scope`` (and fix it when ``ctx.auto_fix``).

    Options (``ctx.options``, defaults in :data:`CURATOR_DEFAULTS`) set the
    functional and opposite predicates, horizons and half-lives by predicate
    class, light verbs, empty objects and duplicate thresholds. ``ctx.now``
    is the reference instant (staleness, decay, ``expired_at`` of fixes).

    Returns:
        Insight drafts of every kind, and stats: ``found`` and (with
        auto-fix) ``fixed`` by kind, ``changes`` by op, ``ms`` by kind.

    Raises:
        InputError: an option of the wrong shape.
        StoreUnavailable: the store is down (changes applied so far stay
            recorded and can be undone).
    """
    run = _Run(ctx)
    if run.log is not None:
        await run.log.start()
    await run.duplicates()
    predicates = await ctx.store.curator_predicates(ctx.scope)
    await run.contradictions(predicates)
    await run.low_information(predicates)
    await run.stale(predicates)
    await run.orphans()
    stats: dict[str, object] = {"found": run.found, "ms": run.ms}
    if run.log is not None:
        stats |= {"fixed": run.fixed, "changes": dict(run.log.counts)}
    return AgentOutcome(insights=run.drafts, stats=stats)


async def undo_run(store: GraphStore, scope: Scope, run_id: str) -> dict[str, int]:
    """Revert every change run ``run_id`` made, newest first; counts by change kind.

    Each change restores the entities, facts (with every version, property
    and vector) and mentions it touched exactly as they were; entities it
    removed come back with their insight edges. An entry is marked undone,
    so repeating the call reverts nothing more.

    Raises:
        NotFound: the run recorded no changes in this scope.
        Conflict: an item a change wrote has changed since (newer changes
            were reverted, that one and older ones were not).
    """
    return await undo_changes(store, scope, run_id, _ms(utcnow()))

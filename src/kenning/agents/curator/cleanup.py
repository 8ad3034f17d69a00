"""Orphan entities and low-information facts, found by graph patterns.

An orphan has no fact (any version, either direction) and no mention; the
auto-fix removes it. A low-information fact has a light-verb predicate
(``does``, ``had``; :func:`~kenning.agents.curator.names.is_light`) and an
object that says nothing ("best", "things"); the auto-fix expires it in
transaction time (``expired_at``, ``invalidation_reason``; it stays as history).
"""

from __future__ import annotations

from dataclasses import replace

from kenning.agents.curator.changes import ChangeLog
from kenning.agents.curator.names import is_light
from kenning.agents.curator.options import CuratorOptions
from kenning.agents.models import AgentContext, InsightDraft, fingerprint
from kenning.store.curator_port import FactBrief


def orphan_draft(entity_id: str, name: str) -> InsightDraft:
    """The insight about one orphan entity."""
    return InsightDraft(
        agent="curator",
        kind="orphan_entity",
        title=f'Orphan entity "{name}"'[:300],
        body=f"{name} ({entity_id}) takes part in no fact and no episode mentions it.",
        score=1.0,
        fingerprint=fingerprint("orphan_entity", entity_id),
        entity_ids=[entity_id],
    )


def low_information_draft(fact: FactBrief) -> InsightDraft:
    """The insight about one low-information fact."""
    return InsightDraft(
        agent="curator",
        kind="low_information_fact",
        title=f"Says little: {fact.subject} | {fact.predicate} | {fact.object}"[:300],
        body=(
            f'{fact.id}: `{fact.predicate}` is a light verb and "{fact.object}" names '
            f"nothing, so the fact carries no information.\n\n> {fact.text}"
        ),
        score=0.9,
        fingerprint=fingerprint("low_information_fact", fact.id),
        entity_ids=sorted({fact.subject_id, fact.object_id}),
        fact_ids=[fact.id],
        episode_ids=list(fact.episode_ids),
    )


async def find_low_information(
    ctx: AgentContext, opts: CuratorOptions, predicates: list[str]
) -> list[FactBrief]:
    """Current facts with a light-verb predicate and an empty object."""
    light = [p for p in predicates if is_light(p, opts)]
    return await ctx.store.curator_low_information(ctx.scope, light, list(opts.empty_objects))


async def expire_facts(log: ChangeLog, facts: list[FactBrief], batch: int) -> int:
    """Expire ``facts`` in transaction time, ``batch`` per change; facts expired."""
    ids = sorted({f.id for f in facts})
    reason = f"curator: low-information fact (run {log.run_id})"
    expired = 0
    for start in range(0, len(ids), batch):
        before = await log.store.curator_read(log.scope, fact_ids=ids[start : start + batch])
        live = [f for f in before.facts if f.props.get("expired_at") is None]
        if not live:
            continue
        after = [
            replace(
                f,
                props={
                    **f.props,
                    "expired_at": log.now,
                    "latest": False,
                    "invalidation_reason": reason,
                },
            )
            for f in live
        ]
        await log.apply("expire_fact", replace(before, facts=live), replace(before, facts=after))
        expired += len(live)
    return expired


async def remove_orphans(log: ChangeLog, ids: list[str], batch: int) -> int:
    """Remove orphan entities, ``batch`` per change; entities removed. An
    entity that gained a fact or mention since it was found is kept."""
    removed = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        before = await log.store.curator_read(log.scope, entity_ids=chunk, touching=chunk)
        busy = {f.refs[k] for f in before.facts for k in ("subject_id", "object_id")}
        busy |= {m.refs["entity_id"] for m in before.mentions}
        gone = [e for e in before.entities if e.id not in busy]
        if not gone:
            continue
        snapshot = replace(before, entities=gone, facts=[], mentions=[])
        after = replace(snapshot, entities=[], about={})
        await log.apply("remove_orphans", snapshot, after)
        removed += len(gone)
    return removed

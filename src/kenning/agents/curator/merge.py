"""Auto-fix of duplicates: merge entities into the one kept.

Facts (every version, ids kept) and mentions move to the kept entity, the
merged entity's name and aliases become aliases of it, and the merged entity
is removed. A fact that would join the kept entity to itself ("Melanie calls
Mel") is expired in transaction time instead. Episodes are not touched; each
merge is one recorded change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kenning.agents.curator.changes import ChangeLog
from kenning.agents.curator.duplicates import DuplicateGroup
from kenning.store.curator_port import CuratorItems
from kenning.store.portable_port import PortableItem


def _merged_entity(keep: PortableItem, merged: PortableItem, now: datetime) -> PortableItem:
    name = keep.props.get("name")
    aliases: list[str] = list(keep.props.get("aliases") or [])
    for alias in [merged.props.get("name"), *(merged.props.get("aliases") or [])]:
        if isinstance(alias, str) and alias != name and alias not in aliases:
            aliases.append(alias)
    return replace(keep, props={**keep.props, "aliases": aliases, "updated_at": now})


def _moved_fact(fact: PortableItem, old: str, new: str, now: datetime) -> PortableItem:
    refs = {k: (new if v == old else v) for k, v in fact.refs.items()}
    props = dict(fact.props)
    if refs["subject_id"] == refs["object_id"] and props.get("expired_at") is None:
        props |= {
            "expired_at": now,
            "latest": False,
            "invalidation_reason": "curator: merging duplicates made its ends one entity",
        }
    return replace(fact, props=props, refs=refs)


def merged_items(
    before: CuratorItems, keep_id: str, merged_id: str, now: datetime
) -> CuratorItems | None:
    """The graph after merging ``merged_id`` into ``keep_id`` (None when one
    of them is gone, e.g. merged by an earlier change)."""
    by_id = {e.id: e for e in before.entities}
    if keep_id not in by_id or merged_id not in by_id:
        return None
    mentions: dict[tuple[str, str], PortableItem] = {}
    for m in before.mentions:
        refs = {
            **m.refs,
            "entity_id": keep_id if m.refs["entity_id"] == merged_id else m.refs["entity_id"],
        }
        mentions.setdefault((refs["episode_id"], refs["entity_id"]), replace(m, refs=refs))
    return CuratorItems(
        entities=[_merged_entity(by_id[keep_id], by_id[merged_id], now)],
        facts=[_moved_fact(f, merged_id, keep_id, now) for f in before.facts],
        mentions=[mentions[k] for k in sorted(mentions)],
        about={},
    )


async def merge_group(log: ChangeLog, group: DuplicateGroup) -> int:
    """Merge every entity of ``group`` into its kept one; merges applied."""
    store, scope, keep = log.store, log.scope, group.keep.id
    applied = 0
    for entity in group.merge:
        read = await store.curator_read(scope, entity_ids=[keep, entity.id], touching=[entity.id])
        pairs = [
            (m.refs["episode_id"], keep) for m in read.mentions if m.refs["entity_id"] == entity.id
        ]
        existing = await store.curator_read(scope, mention_pairs=pairs) if pairs else None
        before = replace(read, mentions=read.mentions + (existing.mentions if existing else []))
        after = merged_items(before, keep, entity.id, log.now)
        if after is None:
            continue
        await log.apply("merge_entities", before, after)
        applied += 1
    return applied

"""The curator's change log: every auto-fix change with the graph items as
they were before and after it, so :func:`undo_changes` restores them exactly.

A change is applied and recorded in one store write
(:meth:`~kenning.store.curator_port.CuratorStore.curator_apply`). Items are
snapshots as the portable export reads them: every stored property, the
vector, the ids they connect. ``before``/``after`` are JSON text: instants as
``{"$instant": ISO 8601}``, everything else as stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kenning.domain.models import Scope
from kenning.errors import Conflict, NotFound
from kenning.store.curator_port import CuratorItems, CuratorWrite
from kenning.store.port import GraphStore
from kenning.store.portable_port import PortableItem, PortableKind

_INSTANT = "$instant"


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_INSTANT: value.isoformat()}
    if isinstance(value, list):
        return [_encode_value(v) for v in value]
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {_INSTANT}:
        return datetime.fromisoformat(value[_INSTANT])
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    return value


def _item_json(item: PortableItem) -> dict[str, Any]:
    props = {k: _encode_value(v) for k, v in sorted(item.props.items())}
    return {"props": props, "refs": dict(sorted(item.refs.items())), "embedding": item.embedding}


def _item(kind: PortableKind, data: dict[str, Any]) -> PortableItem:
    props = {k: _decode_value(v) for k, v in data["props"].items()}
    return PortableItem(kind, props, dict(data["refs"]), data["embedding"])


def encode_items(items: CuratorItems, *, about: bool = True) -> str:
    """``items`` as canonical JSON text (sorted keys; ``about`` left out when
    False, for comparing graph state)."""
    data = {
        "entities": [_item_json(i) for i in sorted(items.entities, key=lambda i: i.id)],
        "facts": [_item_json(i) for i in sorted(items.facts, key=lambda i: i.id)],
        "mentions": [_item_json(i) for i in sorted(items.mentions, key=lambda i: i.id)],
        "about": dict(sorted(items.about.items())) if about else {},
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def decode_items(text: str) -> CuratorItems:
    """The inverse of :func:`encode_items`."""
    data = json.loads(text)
    return CuratorItems(
        entities=[_item("entity", d) for d in data["entities"]],
        facts=[_item("fact", d) for d in data["facts"]],
        mentions=[_item("mention", d) for d in data["mentions"]],
        about={k: list(v) for k, v in data["about"].items()},
    )


def _pair(item: PortableItem) -> tuple[str, str]:
    return item.refs["episode_id"], item.refs["entity_id"]


def transition(
    run_id: str,
    before: CuratorItems,
    after: CuratorItems,
    *,
    record: tuple[int, str, str, str] | None = None,
    undo_seqs: list[int] | None = None,
) -> CuratorWrite:
    """The write that turns the graph from ``before`` into ``after``: facts
    and mentions of ``before`` are deleted and those of ``after`` written;
    entities only in ``before`` are deleted, those in both updated in place,
    those only in ``after`` created (with the insight edges they had)."""
    kept = {e.id for e in after.entities}
    was = {e.id for e in before.entities}
    created = [e for e in after.entities if e.id not in was]
    return CuratorWrite(
        run_id=run_id,
        delete_facts=sorted({f.id for f in before.facts}),
        delete_mentions=sorted({_pair(m) for m in before.mentions}),
        delete_entities=sorted(was - kept),
        update_entities=[e for e in after.entities if e.id in was],
        create_entities=created,
        facts=list(after.facts),
        mentions=list(after.mentions),
        about={e.id: after.about.get(e.id, []) for e in created if after.about.get(e.id)},
        record=record,
        undo_seqs=undo_seqs or [],
    )


@dataclass
class ChangeLog:
    """Applies and records the changes of one run (``seq`` counts up from 1).

    Attributes:
        counts: Changes applied so far, by op.
    """

    store: GraphStore
    scope: Scope
    run_id: str
    now: datetime
    seq: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    async def start(self) -> None:
        """Continue after the run's existing entries (a run recorded twice)."""
        existing = await self.store.curator_changes(self.scope, self.run_id)
        self.seq = max((c.seq for c in existing), default=0)

    async def apply(self, op: str, before: CuratorItems, after: CuratorItems) -> None:
        """Change the graph from ``before`` to ``after`` and record it as ``op``."""
        self.seq += 1
        record = (self.seq, op, encode_items(before), encode_items(after))
        write = transition(self.run_id, before, after, record=record)
        await self.store.curator_apply(self.scope, write, self.now)
        self.counts[op] = self.counts.get(op, 0) + 1


async def read_like(store: GraphStore, scope: Scope, items: CuratorItems) -> CuratorItems:
    """The items of ``items`` (by id) as the graph holds them now."""
    return await store.curator_read(
        scope,
        entity_ids=[e.id for e in items.entities],
        fact_ids=[f.id for f in items.facts],
        mention_pairs=[_pair(m) for m in items.mentions],
    )


async def undo_changes(
    store: GraphStore, scope: Scope, run_id: str, now: datetime
) -> dict[str, int]:
    """Revert run ``run_id``'s changes, newest first; counts by op.

    Each change is checked first: the items it wrote must still be as it
    left them (insight edges aside), else nothing more is reverted.

    Raises:
        NotFound: the run recorded no changes in this scope.
        Conflict: an item changed since the run (changes newer than it were
            reverted; it and older ones were not).
    """
    changes = await store.curator_changes(scope, run_id)
    if not changes:
        raise NotFound(f"run {run_id!r} recorded no changes in space {scope.space!r}")
    counts: dict[str, int] = {}
    for change in sorted(changes, key=lambda c: c.seq, reverse=True):
        if change.undone_at is not None:
            continue
        before, after = decode_items(change.before), decode_items(change.after)
        current = await read_like(store, scope, after)
        if encode_items(current, about=False) != encode_items(after, about=False):
            raise Conflict(
                f"change {change.seq} ({change.op}) of run {run_id!r} cannot be undone: "
                "its items changed since the run"
            )
        write = transition(run_id, after, before, undo_seqs=[change.seq])
        await store.curator_apply(scope, write, now)
        counts[change.op] = counts.get(change.op, 0) + 1
    return counts

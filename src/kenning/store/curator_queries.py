"""CuratorStore over the Cypher library, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`, which provides how a
query runs and how instants convert. Query text: ``cypher/common/agents/``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kenning.domain.models import Scope
from kenning.store.curator_port import (
    CuratorChange,
    CuratorEntity,
    CuratorItems,
    CuratorWrite,
    FactBrief,
    StaleFact,
)
from kenning.store.mixin import QueryMixin, Row
from kenning.store.portable_port import PortableItem, PortableKind, is_instant_property

#: Queries this mixin needs; the loader fails at start if one is missing.
CURATOR_QUERIES: tuple[str, ...] = (
    "agents/curator_entities",
    "agents/curator_predicates",
    "agents/curator_shared_neighbours",
    "agents/curator_functional_overlaps",
    "agents/curator_opposite_overlaps",
    "agents/curator_stale_facts",
    "agents/curator_orphans",
    "agents/curator_low_information",
    "agents/curator_read_entities",
    "agents/curator_read_facts",
    "agents/curator_read_touching",
    "agents/curator_read_mentions",
    "agents/curator_apply",
    "agents/curator_changes",
)


class CuratorQueries(QueryMixin):
    """CuratorStore methods over the Cypher library."""

    def _snapshot_item(self, kind: PortableKind, row: Row) -> PortableItem:
        """A row of ``props`` and ``*_id`` columns as a portable item, exactly
        as the portable export reads it (instants as aware UTC datetimes)."""
        raw: Row = dict(row.get("props") or {})
        embedding = raw.pop("embedding", None)
        props = {
            k: self._portable_instant(k, v) for k, v in raw.items() if k not in ("tenant", "space")
        }
        refs = {k: str(v) for k, v in row.items() if k.endswith("_id") and v is not None}
        vector = [float(x) for x in embedding] if embedding is not None else None
        return PortableItem(kind, props, refs, vector)

    def _portable_instant(self, name: str, value: Any) -> Any:
        if value is None or not is_instant_property(name):
            return value
        try:
            return self._instant_from_db(value)
        except (TypeError, ValueError, OverflowError):
            return value  # not an instant after all: carried as stored

    def _brief(self, row: Row) -> FactBrief:
        return FactBrief(
            id=row["id"],
            subject_id=row["subject_id"],
            subject=row["subject"],
            predicate=row["predicate"],
            object_id=row["object_id"],
            object=row["object"],
            text=row["text"] or "",
            confidence=float(row["confidence"] if row["confidence"] is not None else 1.0),
            valid_from=self._instant_or_none(row["valid_from"]),
            valid_to=self._instant_or_none(row["valid_to"]),
            stated_at=self._instant_from_db(row["stated_at"]),
            episode_ids=list(row["episode_ids"] or []),
        )

    async def curator_entities(self, scope: Scope, *, embeddings: bool) -> list[CuratorEntity]:
        """See :meth:`CuratorStore.curator_entities`."""
        params = {**self._scope(scope), "embeddings": embeddings}
        rows = await self._query("agents/curator_entities", params)
        return [
            CuratorEntity(
                id=r["id"],
                name=r["name"],
                key=r["key"],
                type=r["type"] or "Entity",
                aliases=list(r["aliases"] or []),
                facts=int(r["facts"]),
                mentions=int(r["mentions"]),
                embedding=[float(x) for x in r["embedding"]] if r["embedding"] else None,
            )
            for r in rows
        ]

    async def curator_predicates(self, scope: Scope) -> list[str]:
        """See :meth:`CuratorStore.curator_predicates`."""
        rows = await self._query("agents/curator_predicates", self._scope(scope))
        return [str(r["predicate"]) for r in rows]

    async def curator_shared_neighbours(
        self, scope: Scope, pairs: list[tuple[str, str]]
    ) -> dict[tuple[str, str], list[str]]:
        """See :meth:`CuratorStore.curator_shared_neighbours`."""
        if not pairs:
            return {}
        params = {**self._scope(scope), "pairs": [{"a": a, "b": b} for a, b in pairs]}
        rows = await self._query("agents/curator_shared_neighbours", params)
        return {(r["a"], r["b"]): sorted(set(r["shared"])) for r in rows}

    async def curator_functional_overlaps(
        self, scope: Scope, predicates: list[str]
    ) -> list[tuple[FactBrief, FactBrief]]:
        """See :meth:`CuratorStore.curator_functional_overlaps`."""
        if not predicates:
            return []
        params = {**self._scope(scope), "predicates": predicates}
        rows = await self._query("agents/curator_functional_overlaps", params)
        return [(self._brief(r["first"]), self._brief(r["second"])) for r in rows]

    async def curator_opposite_overlaps(
        self, scope: Scope, pairs: list[tuple[str, str]]
    ) -> list[tuple[FactBrief, FactBrief]]:
        """See :meth:`CuratorStore.curator_opposite_overlaps`."""
        if not pairs:
            return []
        params = {**self._scope(scope), "pairs": [{"p": p, "q": q} for p, q in pairs]}
        rows = await self._query("agents/curator_opposite_overlaps", params)
        return [(self._brief(r["first"]), self._brief(r["second"])) for r in rows]

    async def curator_stale_facts(
        self, scope: Scope, cutoffs: dict[str, datetime], now: datetime
    ) -> list[StaleFact]:
        """See :meth:`CuratorStore.curator_stale_facts`."""
        if not cutoffs:
            return []
        # One row per distinct cutoff (a class), not per predicate: each row
        # is one pass over the space's facts.
        by_cutoff: dict[datetime, list[str]] = {}
        for predicate, cutoff in sorted(cutoffs.items()):
            by_cutoff.setdefault(cutoff, []).append(predicate)
        rows_in = [{"predicates": p, "cutoff": c} for c, p in sorted(by_cutoff.items())]
        params = {**self._scope(scope), "cutoffs": rows_in, "now": now}
        rows = await self._query("agents/curator_stale_facts", params)
        return [
            StaleFact(
                fact=self._brief(r["fact"]),
                last_support=self._instant_from_db(r["last_support"]),
                decayed_at=self._instant_or_none(r["decayed_at"]),
            )
            for r in rows
        ]

    async def curator_orphans(self, scope: Scope) -> list[tuple[str, str]]:
        """See :meth:`CuratorStore.curator_orphans`."""
        rows = await self._query("agents/curator_orphans", self._scope(scope))
        return [(str(r["id"]), str(r["name"])) for r in rows]

    async def curator_low_information(
        self, scope: Scope, predicates: list[str], objects: list[str]
    ) -> list[FactBrief]:
        """See :meth:`CuratorStore.curator_low_information`."""
        if not predicates or not objects:
            return []
        params = {**self._scope(scope), "predicates": predicates, "objects": objects}
        rows = await self._query("agents/curator_low_information", params)
        return [self._brief(r["fact"]) for r in rows]

    async def curator_read(
        self,
        scope: Scope,
        *,
        entity_ids: list[str] | None = None,
        fact_ids: list[str] | None = None,
        touching: list[str] | None = None,
        mention_pairs: list[tuple[str, str]] | None = None,
    ) -> CuratorItems:
        """See :meth:`CuratorStore.curator_read`."""
        base = self._scope(scope)
        entities: list[PortableItem] = []
        about: dict[str, list[str]] = {}
        if entity_ids:
            rows = await self._query("agents/curator_read_entities", {**base, "ids": entity_ids})
            for row in rows:
                item = self._snapshot_item("entity", row)
                entities.append(item)
                about[item.id] = sorted(row["about"] or [])
        facts: dict[str, PortableItem] = {}
        if fact_ids:
            rows = await self._query("agents/curator_read_facts", {**base, "ids": fact_ids})
            facts |= {i.id: i for i in (self._snapshot_item("fact", r) for r in rows)}
        if touching:
            rows = await self._query("agents/curator_read_touching", {**base, "ids": touching})
            facts |= {i.id: i for i in (self._snapshot_item("fact", r) for r in rows)}
        mentions: dict[str, PortableItem] = {}
        if touching or mention_pairs:
            pairs = [{"episode_id": e, "entity_id": n} for e, n in mention_pairs or []]
            params = {**base, "ids": touching or [], "pairs": pairs}
            rows = await self._query("agents/curator_read_mentions", params)
            mentions = {i.id: i for i in (self._snapshot_item("mention", r) for r in rows)}
        return CuratorItems(
            entities=sorted(entities, key=lambda i: i.id),
            facts=[facts[k] for k in sorted(facts)],
            mentions=[mentions[k] for k in sorted(mentions)],
            about=about,
        )

    async def curator_apply(self, scope: Scope, write: CuratorWrite, now: datetime) -> None:
        """See :meth:`CuratorStore.curator_apply`."""
        record = []
        if write.record is not None:
            seq, op, before, after = write.record
            record = [{"seq": seq, "op": op, "before": before, "after": after}]
        params = {
            **self._scope(scope),
            "run_id": write.run_id,
            "now": now,
            "delete_facts": write.delete_facts,
            "delete_mentions": [
                {"episode_id": e, "entity_id": n} for e, n in write.delete_mentions
            ],
            "delete_entities": write.delete_entities,
            "update_entities": [_row(i) for i in write.update_entities],
            "create_entities": [_row(i) for i in write.create_entities],
            "facts": [_row(i) for i in write.facts],
            "mentions": [_row(i) for i in write.mentions],
            "about": [
                {"entity_id": entity, "insight_id": insight}
                for entity, insights in sorted(write.about.items())
                for insight in insights
            ],
            "undo_seqs": write.undo_seqs,
            "record": record,
        }
        await self._query("agents/curator_apply", params, write=True)

    async def curator_changes(self, scope: Scope, run_id: str) -> list[CuratorChange]:
        """See :meth:`CuratorStore.curator_changes`."""
        rows = await self._query("agents/curator_changes", {**self._scope(scope), "run_id": run_id})
        return [
            CuratorChange(
                run_id=r["run_id"],
                seq=int(r["seq"]),
                op=r["op"],
                before=r["before"],
                after=r["after"],
                created_at=self._instant_from_db(r["created_at"]),
                undone_at=self._instant_or_none(r["undone_at"]),
            )
            for r in rows
        ]


def _row(item: PortableItem) -> Row:
    """A portable item as query parameters: its properties (scope, vector and
    nulls left out: a stored property is never null, and FalkorDB 4.16 mixes
    up a SET that nulls some properties and sets others, issue #1787), its
    vector and the ids it connects."""
    props = {
        k: v
        for k, v in item.props.items()
        if k not in ("tenant", "space", "embedding") and v is not None
    }
    return {"props": props, "embedding": item.embedding, **item.refs}

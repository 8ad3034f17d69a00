"""The TemporalStore half of the Cypher store, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`, which provides how a
query runs and how instants convert.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from dataclasses import asdict
from datetime import datetime
from typing import Any

from kenning.domain.models import NO_CATEGORY, CategoryFilter, Fact, Scope
from kenning.store.temporal_port import (
    ChainFact,
    Correction,
    Deleted,
    FactVersion,
    ScopeCounts,
    Statement,
    from_ms,
    to_ms,
)

Row = dict[str, Any]

#: Queries this mixin needs; the loader fails at start if one is missing.
TEMPORAL_QUERIES = (
    "read_chains",
    "chain_facts",
    "apply_versions",
    "timeline_facts",
    "delete_facts",
    "delete_episode",
    "delete_entity",
    "delete_space",
    "delete_orphans",
    "scope_counts",
    "count_references",
)


def encode_statement(statement: Statement) -> str:
    """A statement as the JSON text a fact keeps in its ``statements`` list.

    Instants are epoch milliseconds, so the text is the same on every engine;
    keys are sorted, so a statement written twice is recognised as one.
    """
    return json.dumps(
        {
            "episode_ids": list(statement.episode_ids),
            "valid_from": to_ms(statement.valid_from),
            "valid_to": to_ms(statement.valid_to),
            "observed_at": to_ms(statement.observed_at),
            "confidence": statement.confidence,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def decode_statement(text: str) -> Statement:
    """The inverse of :func:`encode_statement`."""
    data = json.loads(text)
    observed = from_ms(data["observed_at"])
    assert observed is not None  # always written
    return Statement(
        tuple(data["episode_ids"]),
        from_ms(data["valid_from"]),
        from_ms(data["valid_to"]),
        observed,
        float(data["confidence"]),
    )


def encode_correction(fix: Correction | None) -> str | None:
    """A correction as the JSON text of a fact's ``correction`` (only the fields set)."""
    if fix is None:
        return None
    data: Row = {}
    if fix.sets_valid_from:
        data["valid_from"] = to_ms(fix.valid_from)
    if fix.sets_valid_to:
        data["valid_to"] = to_ms(fix.valid_to)
    if fix.confidence is not None:
        data["confidence"] = fix.confidence
    return json.dumps(data, sort_keys=True)


def decode_correction(text: str | None) -> Correction | None:
    """The inverse of :func:`encode_correction`."""
    if not text:
        return None
    data = json.loads(text)
    return Correction(
        valid_from=from_ms(data.get("valid_from")),
        valid_to=from_ms(data.get("valid_to")),
        confidence=data.get("confidence"),
        sets_valid_from="valid_from" in data,
        sets_valid_to="valid_to" in data,
    )


def _version_row(version: FactVersion) -> Row:
    row = asdict(version)
    row["statements"] = [encode_statement(s) for s in version.statements]
    row["correction"] = encode_correction(version.correction)
    row["episode_ids"] = list(version.episode_ids)
    return row


def _chains(touched: list[Row] | None) -> tuple[tuple[str, str], ...]:
    pairs = {(t["subject_key"], t["predicate"]) for t in touched or [] if t}
    return tuple(sorted(pairs))


class TemporalQueries:
    """Fact versions, timelines and hard deletes over the Cypher library."""

    @abstractmethod
    async def _query(self, name: str, params: Row, *, write: bool = False) -> list[Row]:
        """Run query ``name`` with instants converted (see CypherStore)."""

    @abstractmethod
    def _times(self, row: Row) -> Row:
        """Convert the instant fields of a row back to aware UTC datetimes."""

    @abstractmethod
    def _fact(self, row: Row) -> Fact:
        """A fact row as the domain model."""

    @staticmethod
    def _scope(scope: Scope) -> Row:
        return {"tenant": scope.tenant, "space": scope.space}

    def _chain_fact(self, row: Row) -> ChainFact:
        data = self._times(row)
        data["statements"] = tuple(decode_statement(t) for t in data.get("statements") or [])
        data["correction"] = decode_correction(data.get("correction"))
        data["episode_ids"] = tuple(data.get("episode_ids") or [])
        return ChainFact(**data)

    async def read_chains(self, scope: Scope, chains: list[tuple[str, str]]) -> list[ChainFact]:
        """See :meth:`TemporalStore.read_chains`."""
        params = {
            **self._scope(scope),
            "chains": [{"subject_key": s, "predicate": p} for s, p in chains],
        }
        return [self._chain_fact(r["fact"]) for r in await self._query("read_chains", params)]

    async def chain_facts(self, scope: Scope, ids: list[str]) -> list[ChainFact]:
        """See :meth:`TemporalStore.chain_facts`."""
        rows = await self._query("chain_facts", {**self._scope(scope), "ids": ids})
        return [self._chain_fact(r["fact"]) for r in rows]

    async def apply_versions(
        self,
        scope: Scope,
        versions: list[FactVersion],
        now: datetime,
        retired: list[str] | None = None,
    ) -> None:
        """See :meth:`TemporalStore.apply_versions`."""
        if versions or retired:
            rows = [_version_row(v) for v in versions]
            params = {
                **self._scope(scope),
                "now": now,
                "versions": rows,
                "created": [r for r in rows if r["copy_of"] is not None],
                "retired": list(retired or []),
            }
            await self._query("apply_versions", params, write=True)

    async def timeline_facts(
        self,
        scope: Scope,
        *,
        entity_id: str | None,
        predicates: list[str],
        start: datetime,
        end: datetime,
        known_at: datetime,
        limit: int,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[Fact]:
        """See :meth:`TemporalStore.timeline_facts`."""
        params = {
            **self._scope(scope),
            "entity_id": entity_id or "",
            "predicates": predicates,
            "start": start,
            "end": end,
            "known_at": known_at,
            "limit": limit,
            **categories.params(),
        }
        return [self._fact(r["fact"]) for r in await self._query("timeline_facts", params)]

    async def delete_facts(self, scope: Scope, fact_id: str) -> Deleted:
        """See :meth:`TemporalStore.delete_facts`."""
        rows = await self._query("delete_facts", {**self._scope(scope), "id": fact_id}, write=True)
        if not rows:
            return Deleted(found=False)
        return Deleted(found=True, facts=sum(r["facts"] for r in rows), chains=_chains(rows))

    async def delete_episode(self, scope: Scope, episode_id: str) -> Deleted:
        """See :meth:`TemporalStore.delete_episode`."""
        params = {**self._scope(scope), "id": episode_id}
        row = (await self._query("delete_episode", params, write=True))[0]
        return Deleted(
            found=row["episodes"] > 0,
            facts=row["facts"],
            episodes=row["episodes"],
            chains=_chains(row["touched"]),
        )

    async def delete_entity(self, scope: Scope, entity_id: str) -> Deleted:
        """See :meth:`TemporalStore.delete_entity`."""
        params = {**self._scope(scope), "id": entity_id}
        rows = await self._query("delete_entity", params, write=True)
        if not rows:
            return Deleted(found=False)
        row = rows[0]
        return Deleted(found=True, facts=row["facts"], entities=1, chains=_chains(row["touched"]))

    async def delete_space(self, scope: Scope) -> Deleted:
        """See :meth:`TemporalStore.delete_space`."""
        row = (await self._query("delete_space", self._scope(scope), write=True))[0]
        return Deleted(found=row["nodes"] > 0)

    async def delete_orphans(self, scope: Scope) -> int:
        """See :meth:`TemporalStore.delete_orphans`."""
        row = (await self._query("delete_orphans", self._scope(scope), write=True))[0]
        return int(row["entities"])

    async def scope_counts(self, scope: Scope) -> ScopeCounts:
        """See :meth:`TemporalStore.scope_counts`."""
        row = (await self._query("scope_counts", self._scope(scope)))[0]
        return ScopeCounts(row["nodes"], row["relationships"])

    async def count_references(self, scope: Scope, item_id: str) -> ScopeCounts:
        """See :meth:`TemporalStore.count_references`."""
        row = (await self._query("count_references", {**self._scope(scope), "id": item_id}))[0]
        return ScopeCounts(row["nodes"], row["relationships"])

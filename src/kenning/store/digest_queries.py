"""DigestStore over the Cypher library, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`, which provides how a
query runs and how instants convert. Query text: ``cypher/common/agents/digest_*``.
Instants nested in returned maps are converted here (the base converts
top-level columns only).
"""

from __future__ import annotations

from datetime import datetime

from kenning.domain.models import Scope
from kenning.store.digest_port import (
    Activity,
    ChangeKind,
    Changes,
    DigestFact,
    EntityActivity,
    EntityHighlights,
    FactChange,
    OpenInsight,
    PredicateTrend,
)
from kenning.store.mixin import QueryMixin, Row
from kenning.store.temporal_queries import decode_correction

#: Queries this mixin needs; the loader fails at start if one is missing.
DIGEST_QUERIES: tuple[str, ...] = (
    "agents/digest_latest",
    "agents/digest_activity",
    "agents/digest_highlights",
    "agents/digest_changes",
    "agents/digest_predicates",
    "agents/digest_insights",
)


class DigestQueries(QueryMixin):
    """DigestStore methods over the Cypher library."""

    def _digest_fact(self, row: Row) -> DigestFact:
        return DigestFact(
            id=row["id"],
            subject_id=row["subject_id"],
            subject=row["subject"],
            predicate=row["predicate"],
            object_id=row["object_id"],
            object=row["object"],
            text=row["text"],
            valid_from=self._instant_or_none(row.get("valid_from")),
            valid_to=self._instant_or_none(row.get("valid_to")),
            observed_at=self._instant_from_db(row["observed_at"]),
            episode_ids=tuple(row.get("episode_ids") or ()),
        )

    @staticmethod
    def _window(scope: Scope, start: datetime, end: datetime) -> Row:
        return {"tenant": scope.tenant, "space": scope.space, "start": start, "end": end}

    async def digest_latest(self, scope: Scope) -> datetime | None:
        """See :meth:`DigestStore.digest_latest`."""
        params = {"tenant": scope.tenant, "space": scope.space}
        rows = await self._query("agents/digest_latest", params)
        return self._instant_or_none(rows[0]["latest"]) if rows else None

    async def digest_activity(
        self, scope: Scope, start: datetime, end: datetime, top: int
    ) -> Activity:
        """See :meth:`DigestStore.digest_activity`."""
        params = {**self._window(scope, start, end), "top": top}
        [row] = await self._query("agents/digest_activity", params)
        busy = [
            EntityActivity(r["id"], r["name"], int(r["facts"]), int(r["mentions"]))
            for r in row["top"] or []
        ]
        return Activity(int(row["episodes"]), int(row["facts"]), int(row["entities"]), busy)

    async def digest_highlights(
        self, scope: Scope, start: datetime, end: datetime, entities: int, per_entity: int
    ) -> list[EntityHighlights]:
        """See :meth:`DigestStore.digest_highlights`."""
        params = {
            **self._window(scope, start, end),
            "entities": entities,
            "per_entity": per_entity,
        }
        rows = await self._query("agents/digest_highlights", params)
        return [
            EntityHighlights(
                r["id"], r["name"], int(r["total"]), [self._digest_fact(f) for f in r["facts"]]
            )
            for r in rows
        ]

    async def digest_changes(
        self, scope: Scope, start: datetime, end: datetime, limit: int
    ) -> Changes:
        """See :meth:`DigestStore.digest_changes`."""
        params = {**self._window(scope, start, end), "limit": limit}
        [row] = await self._query("agents/digest_changes", params)
        return Changes(int(row["total"]), [self._change(c) for c in row["changes"] or []])

    def _change(self, row: Row) -> FactChange:
        new = row.get("new")
        correction = decode_correction(row.get("correction"))
        kind: ChangeKind
        if row.get("superseded_by") is not None:
            kind = "superseded"
        elif row.get("reason") is not None or (correction and correction.sets_valid_to):
            kind = "invalidated"
        else:
            kind = "ended"
        return FactChange(
            kind=kind,
            at=self._instant_from_db(row["at"]),
            old=self._digest_fact(row["old"]),
            new=self._digest_fact(new) if new else None,
            reason=row.get("reason"),
        )

    async def digest_predicates(
        self, scope: Scope, previous_start: datetime, start: datetime, end: datetime
    ) -> list[PredicateTrend]:
        """See :meth:`DigestStore.digest_predicates`."""
        params = {**self._window(scope, start, end), "previous_start": previous_start}
        rows = await self._query("agents/digest_predicates", params)
        return [PredicateTrend(r["predicate"], int(r["current"]), int(r["previous"])) for r in rows]

    async def digest_insights(
        self, scope: Scope, agents: list[str], limit: int
    ) -> tuple[int, list[OpenInsight]]:
        """See :meth:`DigestStore.digest_insights`."""
        params = {"tenant": scope.tenant, "space": scope.space, "agents": agents, "limit": limit}
        [row] = await self._query("agents/digest_insights", params)
        items = [
            OpenInsight(r["id"], r["agent"], r["kind"], r["title"], float(r["score"] or 0.0))
            for r in row["items"] or []
        ]
        return int(row["total"]), items

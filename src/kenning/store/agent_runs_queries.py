"""AgentRunStore over the Cypher library, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`, which provides how a
query runs and how instants convert. Query text: ``cypher/common/agents/``
(``runs_*`` and ``insights_*``). Stats and insight data are stored as JSON
text (a property cannot hold a map on either engine).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kenning.agents.models import (
    AgentName,
    AgentRun,
    Insight,
    InsightDraft,
    RunStatus,
    RunTrigger,
)
from kenning.domain.ids import new_id
from kenning.domain.models import STORED, Page, Scope
from kenning.store.agent_runs_port import InsightFilter, InsightWrites, SpaceActivity
from kenning.store.mixin import QueryMixin, Row

#: Queries this mixin needs; the loader fails at start if one is missing.
AGENT_RUN_QUERIES: tuple[str, ...] = tuple(
    f"agents/{name}"
    for name in (
        "runs_start",
        "runs_finish",
        "runs_set_status",
        "runs_get",
        "runs_list",
        "runs_lease_take",
        "runs_lease_release",
        "runs_active_spaces",
        "runs_last_finished",
        "insights_dismissed",
        "insights_upsert",
        "insights_unlink",
        "insights_link",
        "insights_list",
        "insights_about",
        "insights_get",
        "insights_dismiss",
    )
)


class AgentRunQueries(QueryMixin):
    """AgentRunStore methods over the Cypher library."""

    # -- runs -------------------------------------------------------------------

    def _run_of(self, row: Row) -> AgentRun:
        data = dict(row)
        for name in ("started_at", "finished_at"):
            if data.get(name) is not None:
                data[name] = self._instant_from_db(data[name])
        data["stats"] = json.loads(data.get("stats") or "{}")
        return AgentRun.model_validate(data, context=STORED)

    async def _one_run(self, name: str, params: Row, *, write: bool) -> AgentRun | None:
        rows = await self._query(f"agents/{name}", params, write=write)
        return self._run_of(rows[0]["run"]) if rows else None

    async def start_run(
        self,
        scope: Scope,
        run_id: str,
        agent: AgentName,
        trigger: RunTrigger,
        auto_fix: bool,
        started_at: datetime,
    ) -> AgentRun:
        """See :meth:`AgentRunStore.start_run`."""
        params = {
            **self._scope(scope),
            "id": run_id,
            "agent": agent,
            "trigger": trigger,
            "auto_fix": auto_fix,
            "started_at": started_at,
        }
        run = await self._one_run("runs_start", params, write=True)
        assert run is not None  # CREATE always returns its row
        return run

    async def finish_run(
        self,
        scope: Scope,
        run_id: str,
        status: RunStatus,
        finished_at: datetime,
        stats: dict[str, Any],
        error: str | None = None,
    ) -> AgentRun | None:
        """See :meth:`AgentRunStore.finish_run`."""
        params = {
            **self._scope(scope),
            "id": run_id,
            "status": status,
            "finished_at": finished_at,
            "stats": json.dumps(stats, sort_keys=True, default=str),
            "error": error,
        }
        return await self._one_run("runs_finish", params, write=True)

    async def set_run_status(
        self, scope: Scope, run_id: str, from_status: RunStatus, to_status: RunStatus
    ) -> AgentRun | None:
        """See :meth:`AgentRunStore.set_run_status`."""
        params = {**self._scope(scope), "id": run_id, "from": from_status, "to": to_status}
        return await self._one_run("runs_set_status", params, write=True)

    async def get_run(self, scope: Scope, run_id: str) -> AgentRun | None:
        """See :meth:`AgentRunStore.get_run`."""
        return await self._one_run("runs_get", {**self._scope(scope), "id": run_id}, write=False)

    async def list_runs(
        self, scope: Scope, after: str, limit: int, agent: AgentName | None = None
    ) -> Page[AgentRun]:
        """See :meth:`AgentRunStore.list_runs`."""
        params = {**self._scope(scope), "after": after, "limit": limit, "agent": agent}
        rows = await self._query("agents/runs_list", params)
        items = [self._run_of(r["run"]) for r in rows]
        more = items[-1].id if len(items) == limit else None
        return Page[AgentRun](items=items, next_after=more)

    # -- leases -------------------------------------------------------------------

    async def take_agent_lease(
        self, scope: Scope, agent: AgentName, holder: str, now: datetime, until: datetime
    ) -> bool:
        """See :meth:`AgentRunStore.take_agent_lease`."""
        params = {
            **self._scope(scope),
            "agent": agent,
            "holder": holder,
            "now": now,
            "until": until,
        }
        rows = await self._query("agents/runs_lease_take", params, write=True)
        return bool(rows and rows[0]["free"])

    async def release_agent_lease(self, scope: Scope, agent: AgentName, holder: str) -> bool:
        """See :meth:`AgentRunStore.release_agent_lease`."""
        params = {**self._scope(scope), "agent": agent, "holder": holder}
        rows = await self._query("agents/runs_lease_release", params, write=True)
        return bool(rows and rows[0]["released"])

    async def spaces_to_analyse(self, agent: AgentName) -> list[SpaceActivity]:
        """See :meth:`AgentRunStore.spaces_to_analyse`."""
        changed: dict[tuple[str, str], datetime] = {}
        for row in await self._query("agents/runs_active_spaces", {}):
            if row["changed_at"] is None:
                continue
            key, at = (row["tenant"], row["space"]), self._instant_from_db(row["changed_at"])
            changed[key] = max(at, changed.get(key, at))
        last = {
            (r["tenant"], r["space"]): self._instant_from_db(r["started_at"])
            for r in await self._query("agents/runs_last_finished", {"agent": agent})
        }
        return [
            SpaceActivity(tenant, space, at)
            for (tenant, space), at in sorted(changed.items())
            if (tenant, space) not in last or at > last[(tenant, space)]
        ]

    # -- insights -----------------------------------------------------------------

    def _insight_of(self, row: Row) -> Insight:
        data = dict(row)
        data["created_at"] = self._instant_from_db(data["created_at"])
        data["data"] = json.loads(data.get("data") or "{}")
        data["fact_ids"] = list(data.get("fact_ids") or [])
        data["episode_ids"] = list(data.get("episode_ids") or [])
        entities = [e for e in data.get("entities") or [] if e.get("id") is not None]
        data["entities"] = sorted(entities, key=lambda e: (e["name"], e["id"]))
        return Insight.model_validate(data, context=STORED)

    async def write_insights(
        self, scope: Scope, run_id: str, drafts: list[InsightDraft], now: datetime
    ) -> InsightWrites:
        """See :meth:`AgentRunStore.write_insights`."""
        # One draft per fingerprint (the last wins), so a batch cannot MERGE twice.
        unique = {d.fingerprint: d for d in drafts}
        if not unique:
            return InsightWrites()
        params = {**self._scope(scope), "fingerprints": list(unique)}
        rows = await self._query("agents/insights_dismissed", params)
        dismissed = {r["fingerprint"] for r in rows}
        keep = [d for f, d in unique.items() if f not in dismissed]
        if not keep:
            return InsightWrites(skipped=len(unique))
        rows_in = [_draft_row(d) for d in keep]
        params = {**self._scope(scope), "insights": rows_in, "run_id": run_id, "now": now}
        stored = await self._query("agents/insights_upsert", params, write=True)
        ids = [r["id"] for r in stored]
        created = sum(1 for r in stored if r["created"])
        await self._query("agents/insights_unlink", {**self._scope(scope), "ids": ids}, write=True)
        # Rows are matched by fingerprint: not every engine keeps UNWIND order.
        by_fingerprint = {d.fingerprint: d for d in keep}
        links = [
            {"id": r["id"], "entity_ids": by_fingerprint[r["fingerprint"]].entity_ids}
            for r in stored
            if by_fingerprint[r["fingerprint"]].entity_ids
        ]
        if links:
            await self._query(
                "agents/insights_link", {**self._scope(scope), "links": links}, write=True
            )
        new = {r["fingerprint"]: r["id"] for r in stored if r["created"]}
        return InsightWrites(created, len(stored) - created, len(unique) - len(keep), new)

    async def list_insights(
        self, scope: Scope, where: InsightFilter, after: str, limit: int
    ) -> Page[Insight]:
        """See :meth:`AgentRunStore.list_insights`."""
        params = {
            **self._scope(scope),
            "after": after,
            "limit": limit,
            "agent": where.agent,
            "kind": where.kind,
            "status": where.status,
            "since": where.since,
        }
        name = "agents/insights_list"
        if where.entity_id is not None:
            name, params["entity_id"] = "agents/insights_about", where.entity_id
        rows = await self._query(name, params)
        items = sorted((self._insight_of(r["insight"]) for r in rows), key=lambda i: i.id)[::-1]
        more = items[-1].id if len(items) == limit else None
        return Page[Insight](items=items, next_after=more)

    async def get_insight(self, scope: Scope, insight_id: str) -> Insight | None:
        """See :meth:`AgentRunStore.get_insight`."""
        rows = await self._query("agents/insights_get", {**self._scope(scope), "id": insight_id})
        return self._insight_of(rows[0]["insight"]) if rows else None

    async def dismiss_insight(self, scope: Scope, insight_id: str, now: datetime) -> Insight | None:
        """See :meth:`AgentRunStore.dismiss_insight`."""
        params = {**self._scope(scope), "id": insight_id, "now": now}
        if not await self._query("agents/insights_dismiss", params, write=True):
            return None
        return await self.get_insight(scope, insight_id)


def _draft_row(draft: InsightDraft) -> Row:
    """A draft as query parameters, with a new id in case it is created."""
    return {
        "id": new_id("in"),
        "fingerprint": draft.fingerprint,
        "agent": draft.agent,
        "kind": draft.kind,
        "title": draft.title,
        "body": draft.body,
        "score": float(draft.score),
        "fact_ids": list(draft.fact_ids),
        "episode_ids": list(draft.episode_ids),
        "data": json.dumps(draft.data, sort_keys=True),
    }

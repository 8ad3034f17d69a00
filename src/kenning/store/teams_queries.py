"""TeamStore over the Cypher library, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`. Query text:
``cypher/common/access/`` (``teams_*``, ``privacy_*``, ``shared_*``) and, for
the engine's cosine function, ``cypher/<dialect>/access/shared_vector_facts``.
Labels and relationship types are fixed in the query text; every value,
tenant first, is a parameter.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING

from kenning.domain.models import (
    NO_CATEGORY,
    STORED,
    CategoryFilter,
    Entity,
    Fact,
    Scope,
    SharedFrom,
)
from kenning.store.graph_port import FactEdge, NeighborhoodEdge, TimeFilter
from kenning.store.mixin import QueryMixin, Row
from kenning.store.teams_port import (
    NewInvite,
    SharedFact,
    SharedScope,
    SharedVectorHit,
    TeamMember,
    TeamRecord,
    TeamShare,
)

#: Queries this mixin needs; the loader fails at start if one is missing.
TEAM_QUERIES: tuple[str, ...] = tuple(
    f"access/{name}"
    for name in (
        "teams_create",
        "teams_list",
        "teams_get",
        "teams_shares",
        "teams_add_member",
        "teams_leave",
        "teams_invite_create",
        "teams_invite_revoke",
        "teams_join",
        "teams_share",
        "teams_unshare",
        "teams_entity_by_key",
        "privacy_set_facts",
        "privacy_set_episodes",
        "shared_scope",
        "shared_facts",
        "shared_vector_facts",
        "shared_timeline_facts",
    )
)


class TeamQueries(QueryMixin):
    """TeamStore methods over the Cypher library."""

    if TYPE_CHECKING:  # provided by CypherStore

        def _fact(self, row: Row) -> Fact: ...

        def _times(self, row: Row) -> Row: ...

    def _share(self, row: Row) -> TeamShare:
        return TeamShare(
            id=row["id"],
            space=row["space"],
            entity_id=row["entity_id"],
            entity_name=row["entity_name"],
            depth=int(row["depth"]),
            since=self._instant_from_db(row["since"]),
            by=row.get("by"),
        )

    def _team(self, row: Row) -> TeamRecord:
        members = [
            TeamMember(m["space"], self._instant_from_db(m["since"]))
            for m in row.get("members") or []
            if isinstance(m, dict) and m.get("space") is not None
        ]
        return TeamRecord(row["id"], row["name"], self._instant_from_db(row["created_at"]), members)

    async def create_team(
        self, tenant: str, team_id: str, name: str, space: str | None, now: datetime
    ) -> None:
        """See :meth:`TeamStore.create_team`."""
        params = {"tenant": tenant, "id": team_id, "name": name, "space": space, "now": now}
        await self._query("access/teams_create", params, write=True)

    async def list_teams(self, tenant: str, spaces: frozenset[str] | None) -> list[TeamRecord]:
        """See :meth:`TeamStore.list_teams`."""
        params = {"tenant": tenant, "spaces": None if spaces is None else sorted(spaces)}
        rows = await self._query("access/teams_list", params)
        return [self._team(r) for r in rows]

    async def get_team(self, tenant: str, team_id: str) -> TeamRecord | None:
        """See :meth:`TeamStore.get_team`."""
        params = {"tenant": tenant, "id": team_id}
        rows = await self._query("access/teams_get", params)
        if not rows:
            return None
        team = self._team(rows[0])
        shares = [self._share(r) for r in await self._query("access/teams_shares", params)]
        return TeamRecord(team.id, team.name, team.created_at, team.members, shares)

    async def add_member(self, tenant: str, team_id: str, space: str, now: datetime) -> bool:
        """See :meth:`TeamStore.add_member`."""
        params = {"tenant": tenant, "id": team_id, "space": space, "now": now}
        return bool(await self._query("access/teams_add_member", params, write=True))

    async def leave_team(self, tenant: str, team_id: str, space: str) -> bool | None:
        """See :meth:`TeamStore.leave_team`."""
        params = {"tenant": tenant, "id": team_id, "space": space}
        rows = await self._query("access/teams_leave", params, write=True)
        return bool(rows[0]["left"]) if rows else None

    async def create_invite(self, tenant: str, invite: NewInvite, now: datetime) -> bool:
        """See :meth:`TeamStore.create_invite`."""
        params = {"tenant": tenant, **asdict(invite), "now": now}
        return bool(await self._query("access/teams_invite_create", params, write=True))

    async def revoke_invite(self, tenant: str, team_id: str, invite_id: str) -> bool:
        """See :meth:`TeamStore.revoke_invite`."""
        params = {"tenant": tenant, "team": team_id, "id": invite_id}
        return bool(await self._query("access/teams_invite_revoke", params, write=True))

    async def join_team(self, tenant: str, code_hash: str, space: str, now: datetime) -> str | None:
        """See :meth:`TeamStore.join_team`."""
        params = {"tenant": tenant, "code_hash": code_hash, "space": space, "now": now}
        rows = await self._query("access/teams_join", params, write=True)
        return str(rows[0]["id"]) if rows else None

    async def share_entity(
        self,
        tenant: str,
        team_id: str,
        share_id: str,
        space: str,
        entity_id: str,
        depth: int,
        by: str | None,
        now: datetime,
    ) -> TeamShare | None:
        """See :meth:`TeamStore.share_entity`."""
        params = {
            "tenant": tenant,
            "team": team_id,
            "id": share_id,
            "space": space,
            "entity": entity_id,
            "depth": depth,
            "by": by,
            "now": now,
        }
        rows = await self._query("access/teams_share", params, write=True)
        return self._share(rows[0]) if rows else None

    async def unshare(
        self, tenant: str, team_id: str, share_id: str, spaces: frozenset[str] | None
    ) -> str | None:
        """See :meth:`TeamStore.unshare`."""
        params = {
            "tenant": tenant,
            "team": team_id,
            "id": share_id,
            "spaces": None if spaces is None else sorted(spaces),
        }
        rows = await self._query("access/teams_unshare", params, write=True)
        return str(rows[0]["space"]) if rows else None

    async def entity_id_by_key(self, scope: Scope, key: str) -> str | None:
        """See :meth:`TeamStore.entity_id_by_key`."""
        params = {**self._scope(scope), "key": key}
        rows = await self._query("access/teams_entity_by_key", params)
        return str(rows[0]["id"]) if rows else None

    async def set_private(
        self, scope: Scope, kind: str, ids: list[str], private: bool
    ) -> list[str]:
        """See :meth:`TeamStore.set_private`."""
        name = {"fact": "access/privacy_set_facts", "episode": "access/privacy_set_episodes"}[kind]
        params = {**self._scope(scope), "ids": ids, "private": private}
        rows = await self._query(name, params, write=True)
        return list(rows[0]["ids"]) if rows else []

    async def shared_scope(self, scope: Scope, private_predicates: list[str]) -> SharedScope:
        """See :meth:`TeamStore.shared_scope`."""
        params = {**self._scope(scope), "private_predicates": private_predicates}
        facts: dict[str, SharedFact] = {}
        for r in await self._query("access/shared_scope", params):
            # Rows come ordered by (id, team): the first team names the source.
            facts.setdefault(r["id"], SharedFact(r["id"], r["space"], r["team"]))
        return SharedScope(facts)

    def _shared_params(self, tenant: str, shared: SharedScope, ids: list[str]) -> Row:
        allowed = [i for i in ids if i in shared.facts]
        spaces = sorted({shared.facts[i].space for i in allowed})
        return {"tenant": tenant, "ids": allowed, "spaces": spaces}

    async def shared_facts(
        self,
        tenant: str,
        shared: SharedScope,
        ids: list[str],
        at: TimeFilter,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[NeighborhoodEdge]:
        """See :meth:`TeamStore.shared_facts`."""
        params = self._shared_params(tenant, shared, ids)
        if not params["ids"]:
            return []
        params = {**params, **asdict(at), **categories.params()}
        rows = await self._query("access/shared_facts", params)
        edges = []
        for r in rows:
            subject, obj = self._entity_of(r["subject"]), self._entity_of(r["object"])
            fact = self._shared_fact(r["fact"], shared)
            edges.append(NeighborhoodEdge(FactEdge(fact, subject.id, obj.id), subject, obj, 0))
        return edges

    async def shared_vector_facts(
        self,
        tenant: str,
        shared: SharedScope,
        vector: list[float],
        at: TimeFilter,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[SharedVectorHit]:
        """See :meth:`TeamStore.shared_vector_facts`."""
        params = self._shared_params(tenant, shared, shared.ids)
        if not params["ids"]:
            return []
        params = {**params, "vector": vector, **asdict(at), **categories.params()}
        rows = await self._query("access/shared_vector_facts", params)
        return [SharedVectorHit(r["id"], float(r["score"]), r["text"] or "") for r in rows]

    async def shared_timeline_facts(
        self,
        tenant: str,
        shared: SharedScope,
        *,
        entity_id: str | None,
        predicates: list[str],
        start: datetime,
        end: datetime,
        known_at: datetime,
        limit: int,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[Fact]:
        """See :meth:`TeamStore.shared_timeline_facts`."""
        params = self._shared_params(tenant, shared, shared.ids)
        if not params["ids"]:
            return []
        params = {
            **params,
            "entity_id": entity_id or "",
            "predicates": predicates,
            "start": start,
            "end": end,
            "known_at": known_at,
            "limit": limit,
            **categories.params(),
        }
        rows = await self._query("access/shared_timeline_facts", params)
        return [self._shared_fact(r["fact"], shared) for r in rows]

    def _shared_fact(self, row: Row, shared: SharedScope) -> Fact:
        fact = self._fact(row)
        source = shared.facts[fact.id]
        shared_from = SharedFrom(space=source.space, team=source.team)
        return fact.model_copy(update={"shared_from": shared_from})

    def _entity_of(self, row: Row) -> Entity:
        data = self._times(row)
        data["aliases"] = list(data.get("aliases") or [])
        return Entity.model_validate(data, context=STORED)

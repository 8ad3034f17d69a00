"""The store port for teams, invites, shares, privacy and shared reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kenning.domain.models import NO_CATEGORY, CategoryFilter, Fact, Scope
from kenning.store.graph_port import NeighborhoodEdge, TimeFilter


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A space in a team, a member since ``since`` (UTC)."""

    space: str
    since: datetime


@dataclass(frozen=True, slots=True)
class TeamShare:
    """An entity of ``space`` shared with a team to ``depth`` hops (1 or 2)
    since ``since`` (UTC), by the key ``by`` (its id; None in development)."""

    id: str
    space: str
    entity_id: str
    entity_name: str
    depth: int
    since: datetime
    by: str | None


@dataclass(frozen=True, slots=True)
class TeamRecord:
    """A team of a tenant: its member spaces and, when asked for, its shares."""

    id: str
    name: str
    created_at: datetime
    members: list[TeamMember] = field(default_factory=list)
    shares: list[TeamShare] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NewInvite:
    """An invite to store: only the SHA-256 hex digest of its code is kept;
    ``expires_at`` (UTC) and ``uses_left`` None mean no limit."""

    id: str
    team: str
    code_hash: str
    expires_at: datetime | None
    uses_left: int | None


@dataclass(frozen=True, slots=True)
class SharedFact:
    """A fact id a space may read through a team, and where it comes from."""

    id: str
    space: str
    team: str


@dataclass(frozen=True, slots=True)
class SharedScope:
    """What a space may read beyond its own memory: shared fact ids, each with
    the (first) space and team it comes through. Empty when nothing is shared."""

    facts: dict[str, SharedFact] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        """The shared fact ids, sorted."""
        return sorted(self.facts)

    @property
    def spaces(self) -> list[str]:
        """The spaces the shared facts belong to, sorted."""
        return sorted({f.space for f in self.facts.values()})

    def __bool__(self) -> bool:
        return bool(self.facts)


@dataclass(frozen=True, slots=True)
class SharedVectorHit:
    """A shared fact's cosine similarity to a query vector, and its text."""

    id: str
    score: float
    text: str


class TeamStore(Protocol):
    """Store methods for teams and shared reads; every one is filtered by tenant."""

    async def create_team(
        self, tenant: str, team_id: str, name: str, space: str | None, now: datetime
    ) -> None:
        """Create a team; ``space`` (if given) joins it at once."""

    async def list_teams(self, tenant: str, spaces: frozenset[str] | None) -> list[TeamRecord]:
        """The tenant's teams (members filled in), in id order; with ``spaces``,
        only those one of the spaces belongs to."""

    async def get_team(self, tenant: str, team_id: str) -> TeamRecord | None:
        """A team with its members and shares, or None."""

    async def add_member(self, tenant: str, team_id: str, space: str, now: datetime) -> bool:
        """Add a space to a team (safe to repeat); False when there is no such team."""

    async def leave_team(self, tenant: str, team_id: str, space: str) -> bool | None:
        """Remove a space and its shares from a team; None when there is no
        such team, False when the space was not a member."""

    async def create_invite(self, tenant: str, invite: NewInvite, now: datetime) -> bool:
        """Store an invite; False when there is no such team."""

    async def revoke_invite(self, tenant: str, team_id: str, invite_id: str) -> bool:
        """Revoke an invite (safe to repeat); False when there is none."""

    async def join_team(self, tenant: str, code_hash: str, space: str, now: datetime) -> str | None:
        """Join the team a valid invite opens (counting a use when the space
        joins anew); its id, or None when the code is unknown, revoked,
        expired at ``now`` or used up."""

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
        """Share an entity of a member space with a team (re-sharing sets the
        depth); None when the team, membership or entity is missing."""

    async def unshare(
        self, tenant: str, team_id: str, share_id: str, spaces: frozenset[str] | None
    ) -> str | None:
        """End a share (only one of ``spaces``' when given); the space that
        had shared it, or None when there is no such share."""

    async def entity_id_by_key(self, scope: Scope, key: str) -> str | None:
        """The id of the space's entity with normalised name ``key``, or None."""

    async def set_private(
        self, scope: Scope, kind: str, ids: list[str], private: bool
    ) -> list[str]:
        """Mark facts (every version) or episodes (``kind``: ``fact`` or
        ``episode``) private or not; the ids found."""

    async def shared_scope(self, scope: Scope, private_predicates: list[str]) -> SharedScope:
        """The fact ids ``scope.space`` may read through its teams."""

    async def shared_facts(
        self,
        tenant: str,
        shared: SharedScope,
        ids: list[str],
        at: TimeFilter,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[NeighborhoodEdge]:
        """Shared facts among ``ids`` valid and known at ``at``, with their
        ends (``hop`` 0: the caller walks them); ``categories`` limits them to
        a memory category (default: none)."""

    async def shared_vector_facts(
        self,
        tenant: str,
        shared: SharedScope,
        vector: list[float],
        at: TimeFilter,
        *,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[SharedVectorHit]:
        """Every shared fact valid and known at ``at`` (and of ``categories``)
        with its cosine to ``vector``."""

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
        """Shared facts for a timeline window (see ``timeline_facts``)."""

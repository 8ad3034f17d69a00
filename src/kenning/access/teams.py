"""Teams of spaces: creation, invites, joins, leaves and shared entities.

A team groups spaces of one tenant. A space joins with an invite code
(random, shown once, stored as its SHA-256 hash, revocable, with an optional
expiry and use count) or is added by an admin. A member space shares an
entity subgraph (the entity, its facts and their other ends, depth 1 or 2)
with the team; leaving or unsharing ends it at the next request.

Who may do what: an admin key manages every team of its tenant; a member key
acts only for spaces it may write, and sees only teams one of its spaces
belongs to (others are "not found", so their ids leak nothing).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from kenning.access.principal import Principal
from kenning.domain.ids import entity_key, new_id
from kenning.domain.models import Scope, utcnow
from kenning.errors import Forbidden, InputError, NotFound
from kenning.store.teams_port import NewInvite, TeamRecord, TeamShare, TeamStore

#: Deepest share, in hops from the shared entity.
MAX_SHARE_DEPTH = 2
#: Bytes of randomness in an invite code (256 bits).
INVITE_CODE_BYTES = 32
#: Prefix of invite codes, so a leaked one is recognisable in logs and scanners.
INVITE_PREFIX = "kti_"


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    """A new invite: ``code`` is shown this once and stored only as a hash."""

    id: str
    team: str
    code: str
    expires_at: datetime | None
    max_uses: int | None


def hash_code(code: str) -> str:
    """The SHA-256 hex digest an invite code is stored and looked up by."""
    return hashlib.sha256(code.encode()).hexdigest()


class TeamService:
    """Teams, invites, memberships and shares, checked against the caller.

    Args:
        store: The team store.
        invite_max_ttl: Longest an invite may stay valid
            (``KENNING_INVITE_MAX_TTL_DAYS``, default 90 days).
    """

    def __init__(self, store: TeamStore, invite_max_ttl: timedelta = timedelta(days=90)) -> None:
        self._store = store
        self._max_ttl = invite_max_ttl

    async def create(self, who: Principal, name: str, space: str | None) -> TeamRecord:
        """Create a team; ``space`` joins it at once. A member key must name a
        space it may write (checked by the caller), so it can see the team.

        Raises:
            Forbidden: a member key without ``space`` (field ``space``).
        """
        if space is None and not who.is_admin:
            raise Forbidden("a member key creates a team for one of its spaces", field="space")
        team_id = new_id("tm")
        await self._store.create_team(who.tenant, team_id, name, space, utcnow())
        return await self.get(who, team_id)

    async def list(self, who: Principal) -> list[TeamRecord]:
        """Teams of the tenant (admin) or of the caller's spaces (member)."""
        return await self._store.list_teams(who.tenant, who.spaces)

    async def get(self, who: Principal, team_id: str) -> TeamRecord:
        """A team with its members and shared entities.

        Raises:
            NotFound: no such team, or none of a member key's spaces belongs to it.
        """
        team = await self._store.get_team(who.tenant, team_id)
        if team is None or not self._sees(who, team):
            raise NotFound(f"no team {team_id!r}")
        return team

    async def invite(
        self, who: Principal, team_id: str, expires_in_s: int | None, max_uses: int | None
    ) -> IssuedInvite:
        """Issue an invite code for a team the caller sees.

        Args:
            expires_in_s: Seconds it stays valid; default and upper bound
                ``KENNING_INVITE_MAX_TTL_DAYS``.
            max_uses: Joins it allows; None: no limit.

        Raises:
            NotFound: the caller does not see the team.
            InputError: ``expires_in_s`` beyond the longest allowed (field ``expires_in_s``).
        """
        await self.get(who, team_id)
        ttl = self._max_ttl if expires_in_s is None else timedelta(seconds=expires_in_s)
        if ttl > self._max_ttl:
            raise InputError(
                f"expires_in_s may be at most {int(self._max_ttl.total_seconds())} "
                "(KENNING_INVITE_MAX_TTL_DAYS)",
                field="expires_in_s",
            )
        code = INVITE_PREFIX + secrets.token_urlsafe(INVITE_CODE_BYTES)
        now = utcnow()
        invite = NewInvite(new_id("inv"), team_id, hash_code(code), now + ttl, max_uses)
        if not await self._store.create_invite(who.tenant, invite, now):
            raise NotFound(f"no team {team_id!r}")
        return IssuedInvite(invite.id, team_id, code, invite.expires_at, max_uses)

    async def revoke_invite(self, who: Principal, team_id: str, invite_id: str) -> None:
        """Revoke an invite of a team the caller sees (safe to repeat).

        Raises:
            NotFound: no such team or invite.
        """
        await self.get(who, team_id)
        if not await self._store.revoke_invite(who.tenant, team_id, invite_id):
            raise NotFound(f"no invite {invite_id!r} in team {team_id!r}")

    async def join(self, who: Principal, code: str, space: str) -> TeamRecord:
        """``space`` (one the caller may write: checked by the caller) joins
        the team ``code`` opens.

        Raises:
            Forbidden: the code is unknown, revoked, expired or used up
                (field ``invite_code``; one answer for all, so it tells nothing).
        """
        team_id = await self._store.join_team(who.tenant, hash_code(code), space, utcnow())
        if team_id is None:
            raise Forbidden(
                "invite code is unknown, revoked, expired or used up", field="invite_code"
            )
        return await self._store_get(who.tenant, team_id)

    async def add_member(self, who: Principal, team_id: str, space: str) -> TeamRecord:
        """An admin adds ``space`` to a team directly.

        Raises:
            Forbidden: not an admin key.
            NotFound: no such team.
        """
        if not who.is_admin:
            raise Forbidden("only an admin key adds a space to a team directly", field="space")
        if not await self._store.add_member(who.tenant, team_id, space, utcnow()):
            raise NotFound(f"no team {team_id!r}")
        return await self._store_get(who.tenant, team_id)

    async def leave(self, who: Principal, team_id: str, space: str) -> None:
        """``space`` (writable by the caller) leaves; its shares end with it.

        Raises:
            NotFound: no such team, or ``space`` is not a member.
        """
        left = await self._store.leave_team(who.tenant, team_id, space)
        if left is None:
            raise NotFound(f"no team {team_id!r}")
        if not left:
            raise NotFound(f"space {space!r} is not a member of team {team_id!r}")

    async def share(
        self, who: Principal, team_id: str, space: str, entity: str, depth: int
    ) -> TeamShare:
        """Share an entity (id ``en_…`` or name) of ``space`` (writable by the
        caller, a member of the team) to ``depth`` hops.

        Raises:
            InputError: ``depth`` outside 1..2 (field ``depth``).
            NotFound: no such team, ``space`` not a member, or no such entity.
        """
        if not 1 <= depth <= MAX_SHARE_DEPTH:
            raise InputError(f"depth must be 1 or {MAX_SHARE_DEPTH}, got {depth}", field="depth")
        scope = Scope(tenant=who.tenant, space=space)
        entity_id = entity if entity.startswith("en_") else None
        if entity_id is None:
            entity_id = await self._store.entity_id_by_key(scope, entity_key(entity))
        if entity_id is None:
            raise NotFound(f"no entity {entity!r} in space {space!r}")
        share = await self._store.share_entity(
            who.tenant, team_id, new_id("sh"), space, entity_id, depth, who.key_id, utcnow()
        )
        if share is None:
            raise NotFound(f"no team {team_id!r} with member space {space!r} and entity {entity!r}")
        return share

    async def unshare(self, who: Principal, team_id: str, share_id: str) -> None:
        """End a share: an admin any, a member key only its spaces' shares.

        Raises:
            NotFound: no such share the caller may end.
        """
        if await self._store.unshare(who.tenant, team_id, share_id, who.spaces) is None:
            raise NotFound(f"no share {share_id!r} in team {team_id!r}")

    async def _store_get(self, tenant: str, team_id: str) -> TeamRecord:
        team = await self._store.get_team(tenant, team_id)
        if team is None:  # deleted between two queries
            raise NotFound(f"no team {team_id!r}")
        return team

    @staticmethod
    def _sees(who: Principal, team: TeamRecord) -> bool:
        return who.spaces is None or any(m.space in who.spaces for m in team.members)

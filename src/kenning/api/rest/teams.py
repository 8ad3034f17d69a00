"""Teams of spaces: ``/v1/teams`` (create, list, get, invites, join, leave,
members, shares) and ``PATCH /v1/episodes/{id}`` (privacy)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import Field

from kenning.access.teams import IssuedInvite
from kenning.api.deps import (
    PrincipalDep,
    RuntimeDep,
    require_space,
    require_write_space,
    write_scope,
)
from kenning.api.rest.responses import BODY, COMMON, errors
from kenning.domain.models import Episode, Model, SpaceId
from kenning.domain.models import ItemId as ItemIdType
from kenning.errors import NotFound
from kenning.store.teams_port import TeamRecord, TeamShare

router = APIRouter(prefix="/v1", tags=["teams"], responses={**COMMON, **errors(403, 404)})

TeamId = Annotated[ItemIdType, Path(description="A team id (``tm_…``).")]
ItemId = Annotated[ItemIdType, Path()]


class TeamCreate(Model):
    """``POST /v1/teams``: a named team; ``space`` joins it at once (a member
    key must name one of its spaces)."""

    name: str = Field(min_length=1, max_length=128)
    space: SpaceId | None = None


class MemberView(Model):
    """A member space of a team, since when (UTC)."""

    space: str
    since: datetime


class SharedEntityView(Model):
    """An entity a member space shares with the team, to ``depth`` hops."""

    id: str = Field(description="The share id; DELETE it to unshare.")
    space: str
    entity_id: str
    entity_name: str
    depth: int
    since: datetime
    by: str | None = Field(None, description="The id of the key that shared it.")


class TeamView(Model):
    """A team, its member spaces and (``GET /v1/teams/{id}``) shared entities."""

    id: str
    name: str
    created_at: datetime
    members: list[MemberView]
    shares: list[SharedEntityView] = Field(default_factory=list)


class TeamList(Model):
    """``GET /v1/teams``: the caller's teams (an admin: every team of the tenant)."""

    teams: list[TeamView]


class InviteCreate(Model):
    """``POST /v1/teams/{id}/invites``."""

    expires_in_s: int | None = Field(
        None, ge=60, description="Seconds it stays valid; default KENNING_INVITE_MAX_TTL_DAYS."
    )
    max_uses: int | None = Field(None, ge=1, le=100000, description="Joins it allows.")


class InviteView(Model):
    """A new invite: ``invite_code`` is shown this once, stored only as a hash."""

    id: str
    team: str
    invite_code: str
    expires_at: datetime | None
    max_uses: int | None


class JoinRequest(Model):
    """``POST /v1/teams/join``: a space the key may write joins the invite's team."""

    invite_code: str = Field(min_length=1, max_length=256)
    space: SpaceId


class SpaceRequest(Model):
    """A space of the caller (``leave``) or any space of the tenant (admin ``members``)."""

    space: SpaceId


class ShareRequest(Model):
    """``POST /v1/teams/{id}/share``: share an entity (id or name) of a member space."""

    space: SpaceId
    entity: str = Field(min_length=1, max_length=256, description="Entity id (en_…) or name.")
    depth: int = Field(1, ge=1, le=2, description="Hops around the entity shared.")


class EpisodePatch(Model):
    """``PATCH /v1/episodes/{id}``: mark an episode private or not."""

    space: SpaceId
    private: bool


def _share_view(s: TeamShare) -> SharedEntityView:
    return SharedEntityView(
        id=s.id,
        space=s.space,
        entity_id=s.entity_id,
        entity_name=s.entity_name,
        depth=s.depth,
        since=s.since,
        by=s.by,
    )


def _team_view(t: TeamRecord) -> TeamView:
    return TeamView(
        id=t.id,
        name=t.name,
        created_at=t.created_at,
        members=[MemberView(space=m.space, since=m.since) for m in t.members],
        shares=[_share_view(s) for s in t.shares],
    )


def _invite_view(i: IssuedInvite) -> InviteView:
    return InviteView(
        id=i.id, team=i.team, invite_code=i.code, expires_at=i.expires_at, max_uses=i.max_uses
    )


@router.post("/teams", status_code=status.HTTP_201_CREATED, response_model=TeamView, responses=BODY)
async def create_team(body: TeamCreate, who: PrincipalDep, rt: RuntimeDep) -> TeamView:
    """Create a team of the caller's tenant; ``space`` joins it at once."""
    if body.space is not None:
        who = await require_write_space(rt, who, body.space)
    return _team_view(await rt.teams.create(who, body.name, body.space))


@router.get("/teams", response_model=TeamList)
async def list_teams(who: PrincipalDep, rt: RuntimeDep) -> TeamList:
    """The teams the caller's spaces belong to (an admin: every team of the tenant)."""
    return TeamList(teams=[_team_view(t) for t in await rt.teams.list(who)])


@router.get("/teams/{team_id}", response_model=TeamView)
async def get_team(team_id: TeamId, who: PrincipalDep, rt: RuntimeDep) -> TeamView:
    """A team with its member spaces and shared entities."""
    return _team_view(await rt.teams.get(who, team_id))


@router.post("/teams/join", status_code=status.HTTP_200_OK, response_model=TeamView, responses=BODY)
async def join_team(body: JoinRequest, who: PrincipalDep, rt: RuntimeDep) -> TeamView:
    """``space`` joins the team the invite code opens (403 when the code is
    unknown, revoked, expired or used up)."""
    who = await require_write_space(rt, who, body.space)
    return _team_view(await rt.teams.join(who, body.invite_code, body.space))


@router.post(
    "/teams/{team_id}/invites",
    status_code=status.HTTP_201_CREATED,
    response_model=InviteView,
    responses=BODY,
)
async def create_invite(
    team_id: TeamId, body: InviteCreate, who: PrincipalDep, rt: RuntimeDep
) -> InviteView:
    """An invite code for the team, shown this once."""
    invite = await rt.teams.invite(who, team_id, body.expires_in_s, body.max_uses)
    return _invite_view(invite)


@router.delete("/teams/{team_id}/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invite(
    team_id: TeamId, invite_id: ItemId, who: PrincipalDep, rt: RuntimeDep
) -> None:
    """Revoke an invite: it opens nothing from the next request on."""
    await rt.teams.revoke_invite(who, team_id, invite_id)


@router.post("/teams/{team_id}/leave", status_code=status.HTTP_204_NO_CONTENT, responses=BODY)
async def leave_team(
    team_id: TeamId, body: SpaceRequest, who: PrincipalDep, rt: RuntimeDep
) -> None:
    """``space`` leaves the team; what it shared stops being shared at once."""
    require_space(who, body.space, write=True)
    await rt.teams.leave(who, team_id, body.space)


@router.post("/teams/{team_id}/members", response_model=TeamView, responses=BODY)
async def add_member(
    team_id: TeamId, body: SpaceRequest, who: PrincipalDep, rt: RuntimeDep
) -> TeamView:
    """An admin adds a space of the tenant to the team directly."""
    return _team_view(await rt.teams.add_member(who, team_id, body.space))


@router.post(
    "/teams/{team_id}/share",
    status_code=status.HTTP_201_CREATED,
    response_model=SharedEntityView,
    responses=BODY,
)
async def share(
    team_id: TeamId, body: ShareRequest, who: PrincipalDep, rt: RuntimeDep
) -> SharedEntityView:
    """Share an entity of a member space with the team: the entity, its facts
    and their other ends to ``depth`` hops, live, never its private facts."""
    require_space(who, body.space, write=True)
    return _share_view(await rt.teams.share(who, team_id, body.space, body.entity, body.depth))


@router.delete("/teams/{team_id}/share/{share_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unshare(team_id: TeamId, share_id: ItemId, who: PrincipalDep, rt: RuntimeDep) -> None:
    """End a share at once (a member key: only its spaces' shares)."""
    await rt.teams.unshare(who, team_id, share_id)


@router.patch("/episodes/{episode_id}", response_model=Episode, responses=BODY)
async def patch_episode(
    episode_id: ItemId, body: EpisodePatch, who: PrincipalDep, rt: RuntimeDep
) -> Episode:
    """Mark an episode private (never shared, nor facts drawn only from it) or not."""
    scope = await write_scope(rt, who, body.space)
    if not await rt.store.set_private(scope, "episode", [episode_id], body.private):
        raise NotFound(f"no episode {episode_id!r} in space {body.space!r}")
    return (await rt.store.get_episodes(scope, [episode_id]))[0]

/**
 * Teams: spaces that share entity subgraphs (issue 12).
 *
 * REGENERATE: these bodies are typed by hand (from issue 12's endpoint list
 * and the access-teams branch's work in progress, `api/rest/teams.py`)
 * because the teams endpoints were not in `openapi.json` when this was
 * written. Once they are, run `make sdk-ts-generate` and replace each
 * interface below with its `components["schemas"][...]` alias in `types.ts`
 * (TeamView, MemberView, SharedEntityView, InviteView, ...).
 */

import { seg, type Transport } from "./http.js";

/** A space in a team since `since` (UTC). */
export interface TeamMember {
  space: string;
  since: string;
}

/** An entity of `space` shared with a team to `depth` hops (1 or 2); `id` is the share's id. */
export interface TeamShare {
  id: string;
  space: string;
  entity_id: string;
  entity_name: string;
  depth: number;
  since: string;
  /** The id of the key that shared it; null in development. */
  by?: string | null;
}

/** A team of the caller's tenant. `GET /v1/teams/{id}` fills in `shares`. */
export interface Team {
  id: string;
  name: string;
  created_at: string;
  members: TeamMember[];
  shares?: TeamShare[];
}

/** `POST /v1/teams`: a name, and a space that joins at once (optional). */
export interface TeamCreate {
  name: string;
  space?: string | null;
}

/** `POST /v1/teams/{id}/invites`: seconds it stays valid (≥ 60) and how many joins it allows. */
export interface InviteCreate {
  expires_in_s?: number | null;
  max_uses?: number | null;
}

/** A new invite; `invite_code` is shown only in this answer (stored as a hash). */
export interface Invite {
  id: string;
  team: string;
  invite_code: string;
  expires_at: string | null;
  max_uses: number | null;
}

/** `POST /v1/teams/{id}/share`: the entity (id `en_…` or name) of `space` and the depth (1 default, 2 at most). */
export interface ShareRequest {
  space: string;
  entity: string;
  depth?: number;
}

/** `POST /v1/teams`, `/v1/teams/{id}`, ... as methods; reach it as `kenning.teams`. */
export class Teams {
  constructor(private readonly http: Transport) {}

  /** Create a team in the caller's tenant (`201`). */
  create(body: TeamCreate): Promise<Team> {
    return this.http.request({ method: "POST", path: "/v1/teams", body });
  }

  /** The teams of the key's spaces (an admin key: every team of the tenant). */
  async list(): Promise<Team[]> {
    const answer = await this.http.request<{ teams: Team[] }>({ method: "GET", path: "/v1/teams" });
    return answer.teams;
  }

  /** One team with its members and shared entities. @throws NotFoundError */
  get(teamId: string): Promise<Team> {
    return this.http.request({ method: "GET", path: `/v1/teams/${seg(teamId)}` });
  }

  /** A new invite code for the team (shown once). */
  createInvite(teamId: string, body: InviteCreate = {}): Promise<Invite> {
    return this.http.request({ method: "POST", path: `/v1/teams/${seg(teamId)}/invites`, body });
  }

  /** Revoke an invite: it opens nothing from the next request on. */
  async revokeInvite(teamId: string, inviteId: string): Promise<void> {
    await this.http.request({
      method: "DELETE",
      path: `/v1/teams/${seg(teamId)}/invites/${seg(inviteId)}`,
    });
  }

  /** `space` joins the team an invite code opens. @throws PermissionDeniedError for a bad, expired or used-up code */
  join(inviteCode: string, space: string): Promise<Team> {
    return this.http.request({
      method: "POST",
      path: "/v1/teams/join",
      body: { invite_code: inviteCode, space },
    });
  }

  /** An admin key adds a space of the tenant to the team directly. */
  addMember(teamId: string, space: string): Promise<Team> {
    return this.http.request({
      method: "POST",
      path: `/v1/teams/${seg(teamId)}/members`,
      body: { space },
    });
  }

  /** `space` leaves the team; what it shared stops being shared at once. */
  async leave(teamId: string, space: string): Promise<void> {
    await this.http.request({
      method: "POST",
      path: `/v1/teams/${seg(teamId)}/leave`,
      body: { space },
    });
  }

  /** Share an entity subgraph of a member space with the team (live: later facts too). */
  share(teamId: string, body: ShareRequest): Promise<TeamShare> {
    return this.http.request({ method: "POST", path: `/v1/teams/${seg(teamId)}/share`, body });
  }

  /** End a share at once. */
  async unshare(teamId: string, shareId: string): Promise<void> {
    await this.http.request({
      method: "DELETE",
      path: `/v1/teams/${seg(teamId)}/share/${seg(shareId)}`,
    });
  }
}

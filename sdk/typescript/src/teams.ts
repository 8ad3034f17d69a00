/**
 * Teams: spaces that share entity subgraphs (issue 12).
 *
 * Bodies and answers are the aliases of `types.ts` (generated from the
 * service's OpenAPI document).
 */

import { seg, type Transport } from "./http.js";
import type {
  Invite,
  InviteCreate,
  JoinRequest,
  ShareRequest,
  SpaceRequest,
  Team,
  TeamCreate,
  TeamList,
  TeamShare,
} from "./types.js";

/** `POST /v1/teams`, `/v1/teams/{id}`, ... as methods; reach it as `kenning.teams`. */
export class Teams {
  constructor(private readonly http: Transport) {}

  /** Create a team in the caller's tenant (`201`). */
  create(body: TeamCreate): Promise<Team> {
    return this.http.request({ method: "POST", path: "/v1/teams", body });
  }

  /** The teams of the key's spaces (an admin key: every team of the tenant). */
  async list(): Promise<Team[]> {
    const answer = await this.http.request<TeamList>({ method: "GET", path: "/v1/teams" });
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
      body: { invite_code: inviteCode, space } satisfies JoinRequest,
    });
  }

  /** An admin key adds a space of the tenant to the team directly. */
  addMember(teamId: string, space: string): Promise<Team> {
    return this.http.request({
      method: "POST",
      path: `/v1/teams/${seg(teamId)}/members`,
      body: { space } satisfies SpaceRequest,
    });
  }

  /** `space` leaves the team; what it shared stops being shared at once. */
  async leave(teamId: string, space: string): Promise<void> {
    await this.http.request({
      method: "POST",
      path: `/v1/teams/${seg(teamId)}/leave`,
      body: { space } satisfies SpaceRequest,
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

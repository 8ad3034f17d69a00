/**
 * Teams: spaces that share entity subgraphs (issue 12).
 *
 * REGENERATE: these bodies are typed by hand from the endpoint list of issue
 * 12 because the teams endpoints were not in `openapi.json` when this was
 * written. Once they are, run `make sdk-ts-generate` and replace each
 * interface below with its `components["schemas"][...]` alias in `types.ts`.
 */

import { seg, type Transport } from "./http.js";

/** A space in a team since `since` (UTC). */
export interface TeamMember {
  space: string;
  since: string;
}

/** An entity of `space` shared with a team to `depth` hops (1 or 2). */
export interface TeamShare {
  id: string;
  space: string;
  entity_id: string;
  entity_name?: string;
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
  members?: TeamMember[];
  shares?: TeamShare[];
}

/** `POST /v1/teams`: a name, and a space that joins at once (optional). */
export interface TeamCreate {
  name: string;
  space?: string;
}

/** `POST /v1/teams/{id}/invites`: optional expiry (ISO 8601) and use count. */
export interface InviteCreate {
  expires_at?: string | null;
  uses?: number | null;
}

/** An invite; `code` is shown only in the answer that created it. */
export interface Invite {
  id: string;
  team: string;
  code: string;
  expires_at?: string | null;
  uses_left?: number | null;
}

/** `POST /v1/teams/{id}/share`: the entity (id or name) of `space` and the depth (1 default, 2 at most). */
export interface ShareRequest {
  space: string;
  entity: string;
  depth?: 1 | 2;
}

/** `POST /v1/teams`, `/v1/teams/{id}`, ... as methods; reach it as `kenning.teams`. */
export class Teams {
  constructor(private readonly http: Transport) {}

  /** Create a team in the caller's tenant. */
  create(body: TeamCreate): Promise<Team> {
    return this.http.request({ method: "POST", path: "/v1/teams", body });
  }

  /** The teams the key may see (an admin: all of the tenant's). */
  async list(): Promise<Team[]> {
    const answer = await this.http.request<Team[] | { items?: Team[]; teams?: Team[] }>({
      method: "GET",
      path: "/v1/teams",
    });
    // Accept a bare list or a page until the shape is in the OpenAPI document.
    return Array.isArray(answer) ? answer : (answer.items ?? answer.teams ?? []);
  }

  /** One team with its members and shared entities. @throws NotFoundError */
  get(teamId: string): Promise<Team> {
    return this.http.request({ method: "GET", path: `/v1/teams/${seg(teamId)}` });
  }

  /** A new invite code for the team (shown once). */
  createInvite(teamId: string, body: InviteCreate = {}): Promise<Invite> {
    return this.http.request({ method: "POST", path: `/v1/teams/${seg(teamId)}/invites`, body });
  }

  /** `space` joins the team an invite code opens. */
  join(inviteCode: string, space: string): Promise<Team> {
    return this.http.request({
      method: "POST",
      path: "/v1/teams/join",
      body: { invite_code: inviteCode, space },
    });
  }

  /** `space` leaves the team; its shares end at once. */
  leave(teamId: string, space: string): Promise<unknown> {
    return this.http.request({
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
  unshare(teamId: string, shareId: string): Promise<unknown> {
    return this.http.request({
      method: "DELETE",
      path: `/v1/teams/${seg(teamId)}/share/${seg(shareId)}`,
    });
  }
}

/**
 * Names for the request and answer bodies of Kenning's REST API, all taken
 * from `schema.ts` (generated from the service's OpenAPI document by
 * openapi-typescript: `npm run generate`); nothing here is typed by hand.
 * Instants are ISO 8601 strings with a zone; the service stores them in UTC.
 */

import type { components, operations } from "./schema.js";

type Schemas = components["schemas"];
type QueryOf<Op extends keyof operations> = operations[Op]["parameters"]["query"];

export type EpisodeBatch = Schemas["EpisodeBatch"];
export type EpisodeCreate = Schemas["EpisodeCreate"];
export type EpisodesAccepted = Schemas["EpisodesAccepted"];
export type Episode = Schemas["Episode"];
export type JobView = Schemas["JobView"];
export type SearchRequest = Schemas["SearchRequest"];
export type SearchResponse = Schemas["SearchResponse"];
export type SearchHit = Schemas["SearchHit"];
export type ContextRequest = Schemas["ContextRequest"];
export type ContextResponse = Schemas["ContextResponse"];
export type Fact = Schemas["Fact"];
export type FactBatch = Schemas["FactBatch"];
export type FactCreate = Schemas["FactCreate"];
export type FactPatch = Schemas["FactPatch"];
export type FactsStored = Schemas["FactsStored"];
export type InvalidateRequest = Schemas["InvalidateRequest"];
export type Deletion = Schemas["Deletion"];
export type FactPage = Schemas["Page_Fact_"];
export type Insight = Schemas["Insight"];
export type InsightPage = Schemas["Page_Insight_"];
export type RunRequest = Schemas["RunRequest"];
export type RunsStarted = Schemas["RunsStarted"];
export type AgentRun = Schemas["AgentRun"];
export type ErrorBody = Schemas["ErrorBody"];

/** A team of the caller's tenant; `GET /v1/teams/{id}` fills in `shares`. */
export type Team = Schemas["TeamView"];
/** A space in a team since `since` (UTC). */
export type TeamMember = Schemas["MemberView"];
/** An entity of `space` shared with a team to `depth` hops (1 or 2); `id` is the share's id. */
export type TeamShare = Schemas["SharedEntityView"];
export type TeamCreate = Schemas["TeamCreate"];
export type TeamList = Schemas["TeamList"];
export type InviteCreate = Schemas["InviteCreate"];
/** A new invite; `invite_code` is shown only in this answer (stored as a hash). */
export type Invite = Schemas["InviteView"];
export type JoinRequest = Schemas["JoinRequest"];
export type SpaceRequest = Schemas["SpaceRequest"];
export type ShareRequest = Schemas["ShareRequest"];

/** Query of `GET /v1/facts`: `space`, `limit`, `after`, `as_of`, `known_at`. */
export type ListFactsQuery = QueryOf<"list_facts_v1_facts_get">;
/** Query of `GET /v1/insights`: `space` and the filters `agent`, `kind`, `status`, `since`, `entity`, `limit`, `after`. */
export type ListInsightsQuery = QueryOf<"list_insights_v1_insights_get">;

/**
 * @kenning/sdk — a fetch-based TypeScript client for Kenning.
 *
 * ```ts
 * import { Kenning } from "@kenning/sdk";
 * const kenning = new Kenning({ baseUrl: "http://127.0.0.1:8420", apiKey: "sk-..." });
 * const { job_id } = await kenning.add({ space: "alice", episodes: [{ speaker: "Alice", content: "I moved to Austin." }] });
 * await kenning.waitForJob(job_id);
 * const { results } = await kenning.search({ space: "alice", query: "Where does Alice live?" });
 * ```
 */

export { Agents, Facts, Insights, Jobs, Kenning, type WaitOptions } from "./client.js";
export {
  ApiError,
  type ApiErrorInit,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  type FieldProblem,
  InvalidRequestError,
  JobTimeoutError,
  KenningError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnavailableError,
} from "./errors.js";
export { type ClientOptions, parseRetryAfter } from "./http.js";
export type { components, operations, paths } from "./schema.js";
export { Teams } from "./teams.js";
export type * from "./types.js";

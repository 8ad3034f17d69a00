/**
 * Errors the SDK throws. Every one extends {@link KenningError}, so
 * `catch (e) { if (e instanceof KenningError) ... }` catches all of them.
 *
 * An answer of the service that is not 2xx becomes an {@link ApiError} (or the
 * subclass for its status) carrying the body `{"error": {code, message, field,
 * fields, request_id}}` that every Kenning error answer has.
 */

import type { components } from "./schema.js";

/** One broken rule of a 422 (several when the body broke several). */
export type FieldProblem = components["schemas"]["FieldProblem"];

/** Root of every error the SDK throws. */
export class KenningError extends Error {
  override name = "KenningError";
}

/** What {@link ApiError} is built from: the status and the parsed error body. */
export interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  field?: string | null;
  fields?: FieldProblem[] | null;
  requestId?: string | null;
  /** Milliseconds from `Retry-After`, when the answer had one. */
  retryAfterMs?: number | null;
  /** The parsed JSON body, or the text when it was not JSON. */
  body?: unknown;
}

/**
 * The service answered with an error status.
 *
 * `code` is Kenning's stable code (`invalid_input`, `not_found`, `busy`,
 * `unavailable`, ...; `http_<status>` when the body was not Kenning's),
 * `field` names the offending input for a 4xx (dotted path as sent, e.g.
 * `episodes.0.content`), `requestId` is the answer's `X-Request-ID` — quote
 * it to find the server's log lines of the request.
 */
export class ApiError extends KenningError {
  override name = "ApiError";
  readonly status: number;
  readonly code: string;
  readonly field: string | null;
  readonly fields: FieldProblem[];
  readonly requestId: string | null;
  readonly retryAfterMs: number | null;
  readonly body: unknown;

  constructor(init: ApiErrorInit) {
    super(`${init.status} ${init.code}: ${init.message}`);
    this.status = init.status;
    this.code = init.code;
    this.field = init.field ?? null;
    this.fields = init.fields ?? [];
    this.requestId = init.requestId ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.body = init.body;
  }

  /** True for 429 and 503: the same request may succeed after `retryAfterMs`. */
  get retryable(): boolean {
    return this.status === 429 || this.status === 503;
  }
}

/** 400, 413 or 422: the request broke an input rule; nothing was stored. */
export class InvalidRequestError extends ApiError {
  override name = "InvalidRequestError";
}
/** 401: missing, unknown, revoked or expired API key. */
export class AuthenticationError extends ApiError {
  override name = "AuthenticationError";
}
/** 403: the key may not use this space or operation. */
export class PermissionDeniedError extends ApiError {
  override name = "PermissionDeniedError";
}
/** 404: no such id in the caller's tenant and space. */
export class NotFoundError extends ApiError {
  override name = "NotFoundError";
}
/** 409: the request contradicts what is stored (e.g. a reused idempotency key). */
export class ConflictError extends ApiError {
  override name = "ConflictError";
}
/** 429: the server or the key's rate limit is busy; still so after the retries. */
export class RateLimitError extends ApiError {
  override name = "RateLimitError";
}
/** 503 (or another 5xx): the graph store is down; still so after the retries. */
export class UnavailableError extends ApiError {
  override name = "UnavailableError";
}

/** The subclass of {@link ApiError} for an answer's status. */
export function apiErrorFor(init: ApiErrorInit): ApiError {
  const s = init.status;
  if (s === 400 || s === 413 || s === 422) return new InvalidRequestError(init);
  if (s === 401) return new AuthenticationError(init);
  if (s === 403) return new PermissionDeniedError(init);
  if (s === 404) return new NotFoundError(init);
  if (s === 409) return new ConflictError(init);
  if (s === 429) return new RateLimitError(init);
  if (s >= 500) return new UnavailableError(init);
  return new ApiError(init);
}

/** The service could not be reached, or did not answer within `timeoutMs`. */
export class ConnectionError extends KenningError {
  override name = "ConnectionError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** {@link Kenning.waitForJob} ran out of time; `job` is the last status seen. */
export class JobTimeoutError extends KenningError {
  override name = "JobTimeoutError";
  readonly job: components["schemas"]["JobView"];
  constructor(job: components["schemas"]["JobView"], timeoutMs: number) {
    super(
      `job ${job.id} did not finish in ${timeoutMs} ms ` +
        `(pending ${job.pending}, processing ${job.processing}, done ${job.done}, failed ${job.failed})`,
    );
    this.job = job;
  }
}

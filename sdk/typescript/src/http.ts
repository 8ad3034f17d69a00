/**
 * The transport under every SDK call: `fetch`, a bearer key, a per-attempt
 * timeout, Kenning's error body turned into typed errors, and retries of 429
 * and 503 answers that honour `Retry-After`.
 */

import { apiErrorFor, ConnectionError, type FieldProblem } from "./errors.js";

/** Options of a client; every one has a default. */
export interface ClientOptions {
  /** Where the service answers. Default `KENNING_URL` from the environment, else `http://127.0.0.1:8420`. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. Default `KENNING_API_KEY` from the environment; none when empty. */
  apiKey?: string;
  /** Milliseconds one attempt may take before it is aborted. Default 30000. */
  timeoutMs?: number;
  /** Further attempts after a 429 or 503 answer. Default 3; 0 turns retries off. */
  maxRetries?: number;
  /**
   * Longest wait (ms) before a retry. A `Retry-After` longer than this is not
   * waited for: the error is thrown at once. Default 30000.
   */
  maxRetryDelayMs?: number;
  /** Extra headers on every request (e.g. `X-Request-ID`). */
  headers?: Record<string, string>;
  /** The `fetch` to use. Default `globalThis.fetch` (Node 20+, browsers, Deno, Bun). */
  fetch?: typeof fetch;
}

/** One request: method, path (already encoded), query and JSON body. */
export interface RequestSpec {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | null | undefined> | undefined;
  body?: unknown;
}

/** Backoff (ms) before retry `n` (0-based) when the answer had no `Retry-After`. */
const FALLBACK_BACKOFF_MS = 500;

function env(name: string): string | undefined {
  // `process` is absent in browsers; the SDK must load there too.
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function queryString(query: RequestSpec["query"]): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

interface ErrorDetail {
  code?: string;
  message?: string;
  field?: string | null;
  fields?: FieldProblem[] | null;
  request_id?: string | null;
}

function errorFrom(response: Response, body: unknown): Error {
  const detail: ErrorDetail =
    typeof body === "object" && body !== null && "error" in body
      ? ((body as { error: ErrorDetail }).error ?? {})
      : {};
  return apiErrorFor({
    status: response.status,
    code: detail.code ?? `http_${response.status}`,
    message: detail.message ?? (typeof body === "string" ? body : response.statusText),
    field: detail.field ?? null,
    fields: detail.fields ?? null,
    requestId: detail.request_id ?? response.headers.get("x-request-id"),
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
    body,
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends requests to one Kenning service; shared by the client and its namespaces. */
export class Transport {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryDelayMs: number;
  private readonly headers: Record<string, string>;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? env("KENNING_URL") ?? "http://127.0.0.1:8420").replace(
      /\/+$/,
      "",
    );
    this.apiKey = options.apiKey ?? env("KENNING_API_KEY") ?? "";
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.headers = options.headers ?? {};
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * Send `spec` and return the parsed JSON answer (undefined for an empty body).
   *
   * @throws ApiError (a subclass per status) for a non-2xx answer, after up to
   *   `maxRetries` retries of 429/503; ConnectionError when the service cannot
   *   be reached or an attempt exceeds `timeoutMs` (not retried: the request
   *   may have been applied).
   */
  async request<T>(spec: RequestSpec): Promise<T> {
    const url = `${this.baseUrl}${spec.path}${queryString(spec.query)}`;
    for (let attempt = 0; ; attempt++) {
      const response = await this.send(url, spec);
      if (response.ok) return (await readBody(response)) as T;
      const body = await readBody(response);
      const retryable = response.status === 429 || response.status === 503;
      if (!retryable || attempt >= this.maxRetries) throw errorFrom(response, body);
      const asked = parseRetryAfter(response.headers.get("retry-after"));
      const wait = asked ?? FALLBACK_BACKOFF_MS * 2 ** attempt;
      if (wait > this.maxRetryDelayMs) throw errorFrom(response, body);
      await sleep(wait);
    }
  }

  private async send(url: string, spec: RequestSpec): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json", ...this.headers };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const init: RequestInit = {
      method: spec.method,
      headers,
      signal: AbortSignal.timeout(this.timeoutMs),
    };
    if (spec.body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(spec.body);
    }
    try {
      return await this.fetchImpl(url, init);
    } catch (cause) {
      const what = cause instanceof Error && cause.name === "TimeoutError" ? "timed out" : "failed";
      throw new ConnectionError(`${spec.method} ${url} ${what}: ${String(cause)}`, { cause });
    }
  }
}

/** `encodeURIComponent` for one path segment (ids, spaces). */
export const seg = (value: string): string => encodeURIComponent(value);

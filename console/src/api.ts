// The REST API as the console calls it: the same endpoints and keys as any
// client. The key lives in sessionStorage (gone when the tab closes); without
// one, requests go out unauthenticated, which a development server accepts.
import type { components } from "../../sdk/typescript/src/schema";

type S = components["schemas"];
export type SpaceStats = S["SpaceStatsView"];
export type SearchHit = S["SearchHit"];
export type ChannelScore = S["ChannelScore"];
export type Fact = S["Fact"];
export type GraphView = S["GraphView"];
export type TimelineEvent = S["TimelineEvent"];
export type Insight = S["Insight"];
export type AgentRun = S["AgentRun"];

/** One logged retrieval (issue 16 §3, `GET /v1/retrievals`). */
export interface RetrievalLog {
  id: string;
  space: string;
  kind: "search" | "context" | "proxy";
  query: string;
  filters: Record<string, unknown>;
  results: {
    key: string;
    rank: number;
    score: number;
    channels: Record<string, { rank: number; score: number }>;
  }[];
  latency_ms: number;
  key_id: string | null;
  created_at: string;
}

export interface Page<T> {
  items: T[];
  next_after?: string | null;
  next_cursor?: string | null;
}

const KEY_STORE = "kenning.apiKey";

export function apiKey(): string {
  return sessionStorage.getItem(KEY_STORE) ?? "";
}

export function setApiKey(key: string): void {
  if (key) sessionStorage.setItem(KEY_STORE, key);
  else sessionStorage.removeItem(KEY_STORE);
}

/** A non-2xx answer: the HTTP status and Kenning's error code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | string[] | undefined | null>;

/** `path` (e.g. "v1/stats") resolved against the console's own URL, so a
 * server behind a path prefix works: /prefix/console/ → /prefix/v1/stats. */
function url(path: string, query: Query = {}): string {
  const u = new URL(`../${path}`, new URL(".", location.href));
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) u.searchParams.append(name, String(v));
  }
  return u.toString();
}

async function call<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(url(path, query), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? "http", err?.message ?? res.statusText);
  }
  return data as T;
}

export const api = {
  stats: () => call<{ spaces: SpaceStats[] }>("GET", "v1/stats"),
  search: (space: string, query: string, top_k: number) =>
    call<{ results: SearchHit[] }>("POST", "v1/search", undefined, { space, query, top_k }),
  graph: (space: string, entity: string, depth: number, limit: number) =>
    call<GraphView>("GET", "v1/graph", { space, entity, depth, limit }),
  /** An entity's id from its name (or id): the centre of its neighbourhood. */
  entityId: async (space: string, entity: string): Promise<string> => {
    if (entity.startsWith("en_")) return entity;
    const g = await call<GraphView>("GET", "v1/graph", { space, entity, depth: 1, limit: 1 });
    const centre = g.nodes.find((n) => n.distance === 0);
    if (!centre) throw new ApiError(404, "not_found", `no entity ${entity} in ${space}`);
    return centre.id;
  },
  timeline: (space: string, entity: string, predicate?: string) =>
    call<{ events: TimelineEvent[] }>("GET", "v1/timeline", {
      space,
      entity,
      predicate: predicate ? [predicate] : undefined,
      limit: 200,
    }),
  insights: (space: string) => call<Page<Insight>>("GET", "v1/insights", { space, limit: 100 }),
  runs: (space: string) => call<Page<AgentRun>>("GET", "v1/agents/runs", { space, limit: 50 }),
  retrievals: (space: string, cursor?: string) =>
    call<Page<RetrievalLog>>("GET", "v1/retrievals", { space, limit: 50, cursor }),
};

/** A short human text for a failed call. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return "401: this server needs an API key (enter it above).";
    if (err.status === 403) return `403: the key may not read this: ${err.message}`;
    return `${err.status} ${err.code}: ${err.message}`;
  }
  return `request failed: ${String(err)}`;
}

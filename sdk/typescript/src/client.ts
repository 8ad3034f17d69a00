/**
 * The Kenning client: `new Kenning({ baseUrl, apiKey })`, then `add`,
 * `search`, `context`, `waitForJob`, and the namespaces `jobs`, `facts`,
 * `insights`, `agents` and `teams`. Bodies and answers are the REST API's
 * own (see `types.ts`); every method throws the errors of `errors.ts`.
 */

import { JobTimeoutError } from "./errors.js";
import { type ClientOptions, seg, Transport } from "./http.js";
import { Teams } from "./teams.js";
import type {
  AgentRun,
  ContextRequest,
  ContextResponse,
  Deletion,
  EpisodeBatch,
  EpisodesAccepted,
  Fact,
  FactBatch,
  FactPage,
  FactPatch,
  FactsStored,
  InvalidateRequest,
  Insight,
  InsightPage,
  JobView,
  ListFactsQuery,
  ListInsightsQuery,
  RunRequest,
  RunsStarted,
  SearchRequest,
  SearchResponse,
} from "./types.js";

/** Options of {@link Kenning.waitForJob}. */
export interface WaitOptions {
  /** Give up after this many ms (JobTimeoutError). Default 120000. */
  timeoutMs?: number;
  /** First pause between polls (ms); it grows by half each poll up to 2000. Default 250. */
  intervalMs?: number;
}

const MAX_POLL_MS = 2_000;

/** `GET /v1/jobs/{id}` and its retry. */
export class Jobs {
  constructor(private readonly http: Transport) {}

  /** Progress of an ingest job (pending, processing, done, failed, `finished`). @throws NotFoundError */
  get(jobId: string): Promise<JobView> {
    return this.http.request({ method: "GET", path: `/v1/jobs/${seg(jobId)}` });
  }

  /** Queue the job's failed episodes again. @throws ConflictError when none failed */
  retry(jobId: string): Promise<JobView> {
    return this.http.request({ method: "POST", path: `/v1/jobs/${seg(jobId)}/retry` });
  }
}

/** Structured facts: add without extraction, list, correct, invalidate, delete. */
export class Facts {
  constructor(private readonly http: Transport) {}

  /** Store triples as given (`201`); re-posting a triple merges into it. */
  add(body: FactBatch): Promise<FactsStored> {
    return this.http.request({ method: "POST", path: "/v1/facts", body });
  }

  /** A page of facts valid at `as_of` and known at `known_at` (default now), oldest first. */
  list(query: ListFactsQuery): Promise<FactPage> {
    return this.http.request({ method: "GET", path: "/v1/facts", query });
  }

  /** Correct a fact's stated valid time, confidence or text (history kept). */
  update(factId: string, body: FactPatch): Promise<Fact> {
    return this.http.request({ method: "PATCH", path: `/v1/facts/${seg(factId)}`, body });
  }

  /** End a fact's valid time (`valid_to`, default now) with an optional reason. */
  invalidate(factId: string, body: InvalidateRequest): Promise<Fact> {
    return this.http.request({
      method: "POST",
      path: `/v1/facts/${seg(factId)}/invalidate`,
      body,
    });
  }

  /** Hard-delete a fact of `space`. @throws NotFoundError */
  delete(factId: string, space: string): Promise<Deletion> {
    return this.http.request({ method: "DELETE", path: `/v1/facts/${seg(factId)}`, query: { space } });
  }
}

/** What the memory agents found: list, read, dismiss. */
export class Insights {
  constructor(private readonly http: Transport) {}

  /** A page of a space's insights, newest first, with optional filters. */
  list(query: ListInsightsQuery): Promise<InsightPage> {
    return this.http.request({ method: "GET", path: "/v1/insights", query });
  }

  /** One insight of `space`. @throws NotFoundError */
  get(insightId: string, space: string): Promise<Insight> {
    return this.http.request({
      method: "GET",
      path: `/v1/insights/${seg(insightId)}`,
      query: { space },
    });
  }

  /** Dismiss an insight (safe to repeat); a re-run does not bring it back. @throws NotFoundError */
  dismiss(insightId: string, space: string): Promise<Insight> {
    return this.http.request({
      method: "POST",
      path: `/v1/insights/${seg(insightId)}/dismiss`,
      body: { space },
    });
  }
}

/** Run the memory agents (curator, connector, digest) and follow their runs. */
export class Agents {
  constructor(private readonly http: Transport) {}

  /** Start one agent or all over a space (`202`); runs finish in the background. */
  run(body: RunRequest): Promise<RunsStarted> {
    return this.http.request({ method: "POST", path: "/v1/agents/run", body });
  }

  /** One run's status and stats. @throws NotFoundError */
  getRun(runId: string, space: string): Promise<AgentRun> {
    return this.http.request({
      method: "GET",
      path: `/v1/agents/runs/${seg(runId)}`,
      query: { space },
    });
  }
}

/** A client of one Kenning service. Safe to share; it holds no connection state. */
export class Kenning {
  readonly jobs: Jobs;
  readonly facts: Facts;
  readonly insights: Insights;
  readonly agents: Agents;
  readonly teams: Teams;
  private readonly http: Transport;

  /** @param options where the service is, the key, timeouts and retries (all defaulted). */
  constructor(options: ClientOptions = {}) {
    this.http = new Transport(options);
    this.jobs = new Jobs(this.http);
    this.facts = new Facts(this.http);
    this.insights = new Insights(this.http);
    this.agents = new Agents(this.http);
    this.teams = new Teams(this.http);
  }

  /** The service's base URL, without a trailing slash. */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /**
   * Store a batch of episodes durably (all or none) and queue their
   * extraction; answers at once with the job to follow. Safe to resend:
   * episodes are identified by `idempotency_key` or their content and time.
   */
  add(body: EpisodeBatch): Promise<EpisodesAccepted> {
    return this.http.request({ method: "POST", path: "/v1/episodes", body });
  }

  /** Hybrid search over facts and episodes, best first, with per-channel scores. */
  search(body: SearchRequest): Promise<SearchResponse> {
    return this.http.request({ method: "POST", path: "/v1/search", body });
  }

  /** The best facts and turns, with dates, as a prompt block within `token_budget` tokens. */
  context(body: ContextRequest): Promise<ContextResponse> {
    return this.http.request({ method: "POST", path: "/v1/context", body });
  }

  /**
   * Poll a job until no episode is pending or processing; returns its last
   * status (check `failed`: failed episodes finish a job too).
   *
   * @throws JobTimeoutError after `timeoutMs` (default 120000), carrying the last status.
   */
  async waitForJob(jobId: string, options: WaitOptions = {}): Promise<JobView> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    let pause = options.intervalMs ?? 250;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const job = await this.jobs.get(jobId);
      if (job.finished) return job;
      const left = deadline - performance.now();
      if (left <= 0) throw new JobTimeoutError(job, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 1.5, MAX_POLL_MS);
    }
  }
}

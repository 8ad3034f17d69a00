// The transport against a stand-in HTTP server on 127.0.0.1: retries of 429
// and 503 that honour Retry-After, typed errors, and waitForJob's timeout.
// These are the answers the real service gives only under load or outage
// (README "Under load and faults"), so a scripted server plays them here;
// everything else is tested against the real service (service.test.ts).

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import {
  ConnectionError,
  JobTimeoutError,
  Kenning,
  parseRetryAfter,
  RateLimitError,
  UnavailableError,
} from "../src/index.js";

interface Seen {
  at: number;
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

type Reply = (res: ServerResponse) => void;

/** A server answering each request with the next scripted reply (the last one repeats). */
function standIn(): { url: () => string; script: (r: Reply[]) => void; seen: Seen[]; close: () => Promise<void>; start: () => Promise<void> } {
  let replies: Reply[] = [];
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({
        at: performance.now(),
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization,
        body,
      });
      const reply = replies.length > 1 ? replies.shift()! : replies[0]!;
      reply(res);
    });
  });
  return {
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    script: (r) => {
      replies = r;
      seen.length = 0;
    },
    seen,
    start: () => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve())),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
const busy = (retryAfter: string): Reply =>
  json(429, { error: { code: "busy", message: "the server is busy; retry shortly" } }, { "retry-after": retryAfter });
const down = (retryAfter: string): Reply =>
  json(503, { error: { code: "unavailable", message: "the graph store is unavailable; retry later", request_id: "r-1" } }, { "retry-after": retryAfter });
const job = (finished: boolean) => ({
  id: "job_1", space: "s", created_at: "2026-01-01T00:00:00Z", total: 1,
  pending: finished ? 0 : 1, processing: 0, done: finished ? 1 : 0, failed: 0, finished,
});

describe("transport (stand-in server)", () => {
  const server = standIn();
  before(server.start);
  after(server.close);

  test("a 503 with Retry-After: 1 is retried no sooner than 1 s later, then succeeds", async () => {
    server.script([down("1"), json(200, job(true))]);
    const kenning = new Kenning({ baseUrl: server.url(), apiKey: "k-1" });
    const answer = await kenning.jobs.get("job_1");
    assert.equal(answer.finished, true);
    assert.equal(server.seen.length, 2);
    // A lower bound only (the wait the server asked for), never an upper one.
    assert.ok(server.seen[1]!.at - server.seen[0]!.at >= 950, "retried before Retry-After");
    assert.equal(server.seen[1]!.authorization, "Bearer k-1");
  });

  test("429s past maxRetries throw RateLimitError with the code and Retry-After", async () => {
    server.script([busy("0")]);
    const kenning = new Kenning({ baseUrl: server.url(), maxRetries: 2 });
    const error = await kenning.search({ space: "s", query: "q" }).catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitError, String(error));
    assert.equal(error.status, 429);
    assert.equal(error.code, "busy");
    assert.equal(error.retryAfterMs, 0);
    assert.equal(error.retryable, true);
    assert.equal(server.seen.length, 3, "one try and two retries");
    assert.equal(server.seen[2]!.body, JSON.stringify({ space: "s", query: "q" }), "the body is sent again");
  });

  test("a Retry-After longer than maxRetryDelayMs is not waited for", async () => {
    server.script([down("120")]);
    const kenning = new Kenning({ baseUrl: server.url(), maxRetryDelayMs: 1000 });
    const error = await kenning.jobs.get("job_1").catch((e: unknown) => e);
    assert.ok(error instanceof UnavailableError, String(error));
    assert.equal(error.retryAfterMs, 120_000);
    assert.equal(error.requestId, "r-1");
    assert.equal(server.seen.length, 1);
  });

  test("other errors are not retried", async () => {
    server.script([json(409, { error: { code: "conflict", message: "none failed" } })]);
    const kenning = new Kenning({ baseUrl: server.url() });
    await assert.rejects(kenning.jobs.retry("job_1"), { name: "ConflictError", status: 409 });
    assert.equal(server.seen.length, 1);
  });

  test("waitForJob gives up after timeoutMs with the last status", async () => {
    server.script([json(200, job(false))]);
    const kenning = new Kenning({ baseUrl: server.url() });
    const error = await kenning.waitForJob("job_1", { timeoutMs: 300, intervalMs: 50 }).catch((e: unknown) => e);
    assert.ok(error instanceof JobTimeoutError, String(error));
    assert.equal(error.job.pending, 1);
    assert.ok(server.seen.length >= 2, "it polled more than once");
  });

  test("a closed port is a ConnectionError", async () => {
    const kenning = new Kenning({ baseUrl: "http://127.0.0.1:9", maxRetries: 0 });
    await assert.rejects(kenning.jobs.get("job_1"), ConnectionError);
  });

  test("Retry-After as seconds or an HTTP date", () => {
    assert.equal(parseRetryAfter("5"), 5000);
    assert.equal(parseRetryAfter(null), null);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:03 GMT", now), 3000);
  });
});

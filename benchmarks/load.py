"""Concurrent clients against a real server: mixed search and ingest; prints JSON.

    python benchmarks/load.py [--clients 10 50] [--duration 60] [--url URL]

Without ``--url`` it starts ``kenning serve`` (embedded FalkorDB, a temporary
data dir, 127.0.0.1 only) and imports LoCoMo conv-26 with ``kenning import
locomo``; with ``--url`` it uses that server and imports only if the space is
empty. Then, in the same run:

1. idle: one client asks every question of the conversation in turn;
2. for each client count N: N clients loop for ``--duration`` seconds, each
   request a search (90 %) or a one-turn ingest into space ``load``
   (``--ingest-share``, 10 %), while a probe asks ``/healthz`` every 0.25 s;
   before the next phase it waits (bounded) until the ingest queue is empty,
   so each phase starts from the same state;
3. it waits (bounded) for the accepted ingests and counts ``failed`` episodes;
4. idle again, on the same server with nothing queued.

A 429 answer is deliberate back-pressure: the client waits ``Retry-After``
seconds, as a real client does, and goes on. Each phase reports the 429
share and the searches answered per second next to the latencies (shedding
most requests would cut p95 but also the work done), and the machine's load
average. Not a test: numbers vary with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from stats import percentile

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
)
CLI = "from kenning.cli import app; app()"
INGEST_SPACE = "load"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def started_server(data_dir: Path, extra_env: dict[str, str]) -> Any:
    """Run ``kenning serve`` in a child process; yields its URL, stops it after."""
    port = free_port()
    env = {**os.environ, "KENNING_DATA_DIR": str(data_dir), "KENNING_LOG_LEVEL": "WARNING"}
    env.update(extra_env)
    log = (data_dir.parent / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # models load slowly on a busy machine
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"server did not start; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def import_space(url: str, data: Path, conversation: str) -> str:
    """Import the conversation with the CLI (bounded); returns its last output line."""
    env = {**os.environ, "KENNING_URL": url}
    out = subprocess.run(
        [sys.executable, "-c", CLI, "import", "locomo", str(data), "--conversation", conversation],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"import failed: {out.stdout[-2000:]} {out.stderr[-2000:]}")
    lines = [line for line in out.stdout.splitlines() if conversation in line]
    return lines[-1].strip() if lines else out.stdout.strip()[-200:]


def questions_of(data: Path, conversation: str) -> list[str]:
    item = next(i for i in json.loads(data.read_text()) if i["sample_id"] == conversation)
    return [str(q["question"]) for q in item["qa"]]


async def idle_latencies(url: str, space: str, questions: list[str]) -> list[float]:
    """Each question once, one at a time, after three warm-ups; ms."""
    out = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for i, question in enumerate(questions[:3] + questions):
            t0 = time.perf_counter()
            r = await client.post("/v1/search", json={"space": space, "query": question})
            r.raise_for_status()
            if i >= 3:
                out.append((time.perf_counter() - t0) * 1000)
    return out


class Tally:
    """What the clients saw during one load phase."""

    def __init__(self) -> None:
        self.statuses: Counter[str] = Counter()
        self.search_ms: list[float] = []
        self.ingest_ms: list[float] = []
        self.jobs: list[str] = []
        self.health: Counter[str] = Counter()
        self.health_max_ms = 0.0


async def one_client(
    client: httpx.AsyncClient,
    space: str,
    questions: list[str],
    end: float,
    tally: Tally,
    n: int,
    ingest_share: float,
) -> None:
    rng = random.Random(n)
    i = 0
    while time.monotonic() < end:
        i += 1
        ingest = rng.random() < ingest_share
        t0 = time.perf_counter()
        try:
            if ingest:
                body = {
                    "space": INGEST_SPACE,
                    "episodes": [
                        {"speaker": f"User{n}", "content": f"I visited Porto on day {i} with Ana."}
                    ],
                }
                r = await client.post("/v1/episodes", json=body)
            else:
                r = await client.post(
                    "/v1/search", json={"space": space, "query": rng.choice(questions)}
                )
        except httpx.HTTPError as exc:
            tally.statuses[type(exc).__name__] += 1
            continue
        ms = (time.perf_counter() - t0) * 1000
        tally.statuses[str(r.status_code)] += 1
        if r.status_code < 300:
            (tally.ingest_ms if ingest else tally.search_ms).append(ms)
            if ingest:
                tally.jobs.append(r.json()["job_id"])
        elif r.status_code == 429:
            # As the SDKs do: wait what the server asked (not past the phase).
            retry_after = float(r.headers.get("Retry-After", "1"))
            await asyncio.sleep(max(0.0, min(retry_after, end - time.monotonic())))


async def health_probe(url: str, end: float, tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        while time.monotonic() < end:
            t0 = time.perf_counter()
            try:
                status = str((await client.get("/healthz")).status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            tally.health[status] += 1
            tally.health_max_ms = max(tally.health_max_ms, (time.perf_counter() - t0) * 1000)
            await asyncio.sleep(0.25)


async def load_phase(
    url: str, space: str, questions: list[str], clients: int, args: argparse.Namespace
) -> tuple[dict[str, Any], list[str]]:
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    end = time.monotonic() + args.duration
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        await asyncio.gather(
            health_probe(url, end, tally),
            *(
                one_client(client, space, questions, end, tally, n, args.ingest_share)
                for n in range(clients)
            ),
        )
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_started
    total = sum(tally.statuses.values())
    errors = {s: c for s, c in tally.statuses.items() if not s.startswith("2")}
    return {
        "clients": clients,
        "duration_s": round(elapsed, 1),
        # 1-minute load average of the machine (2 cores: above 2, processes wait).
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "searches_answered_per_s": round(len(tally.search_ms) / elapsed, 1),
        "statuses": dict(tally.statuses),
        "errors_by_status": errors,
        "errors_other_than_429": sum(c for s, c in errors.items() if s != "429"),
        "share_429": round(tally.statuses["429"] / total, 3) if total else 0.0,
        "search_ms": summary(tally.search_ms),
        "ingest_ms": summary(tally.ingest_ms),
        "healthz": {"statuses": dict(tally.health), "max_ms": round(tally.health_max_ms, 1)},
        # The load generator shares the machine: a share near 1.0 means its own
        # event loop, not the server, adds to the client-side latencies.
        "client_cpu_share_of_a_core": round(client_cpu / elapsed, 2),
    }, tally.jobs


async def search_buckets(url: str) -> dict[float, float]:
    """Cumulative counts of the server's ``/v1/search`` latency histogram
    (``kenning_http_request_duration_seconds``), by upper bound in s."""
    from prometheus_client.parser import text_string_to_metric_families

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        text = (await client.get("/metrics")).text
    out: dict[float, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            wanted = family.name == "kenning_http_request_duration_seconds"
            if wanted and sample.name.endswith("_bucket") and labels.get("route") == "/v1/search":
                out[float(labels["le"])] = sample.value
    return out


def server_quantiles(before: dict[float, float], after: dict[float, float]) -> dict[str, float]:
    """p50/p95 (ms) of the searches the server answered between two scrapes,
    interpolated inside histogram buckets: the time inside Kenning, from the
    first middleware to the end of the body (admission wait included), without
    the client's and the socket's share."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    total = counts[-1] if counts else 0.0
    result: dict[str, float] = {"n": total}
    for q in (50, 95):
        rank, low, below = total * q / 100, 0.0, 0.0
        for bound, count in zip(bounds, counts, strict=True):
            if count >= rank and count > below:
                upper = bound if bound != float("inf") else low * 2
                result[f"p{q}"] = round(
                    1000 * (low + (upper - low) * (rank - below) / (count - below)), 1
                )
                break
            low, below = bound, count
    return result


def summary(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "p99": round(percentile(values, 99), 1),
    }


async def failed_episodes(url: str, jobs: list[str], wait_s: float) -> dict[str, Any]:
    """Wait (at most ``wait_s``) for the jobs to finish; count their episodes
    and the seconds the wait took (the ingest backlog the phase left)."""
    started = time.monotonic()
    deadline = started + wait_s
    counts: dict[str, Any] = {"jobs": len(jobs), "failed": 0, "done": 0, "unfinished_jobs": 0}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for job_id in jobs:
            while True:
                job = (await client.get(f"/v1/jobs/{job_id}")).json()
                if job.get("finished") or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            counts["failed"] += int(job.get("failed", 0))
            counts["done"] += int(job.get("done", 0))
            counts["unfinished_jobs"] += 0 if job.get("finished") else 1
    counts["drain_s"] = round(time.monotonic() - started, 1)
    return counts


async def measure(url: str, args: argparse.Namespace, imported: str) -> dict[str, Any]:
    questions = questions_of(args.data, args.conversation)
    idle_questions = questions[: args.idle_questions or None]
    idle = await idle_latencies(url, args.conversation, idle_questions)
    idle_p95 = percentile(idle, 95)
    phases, totals = [], Counter[str]()
    for clients in args.clients:
        before = await search_buckets(url)
        print(f"phase: {clients} clients for {args.duration} s", file=sys.stderr, flush=True)
        phase, jobs = await load_phase(url, args.conversation, questions, clients, args)
        phase["server_search_ms"] = server_quantiles(before, await search_buckets(url))
        load_p95 = phase["search_ms"].get("p95")
        phase["search_p95_over_idle_p95"] = round(load_p95 / idle_p95, 2) if load_p95 else None
        # Drained before the next phase, so it starts with an empty queue.
        phase["ingest"] = await failed_episodes(url, jobs, args.drain_s)
        totals.update({k: v for k, v in phase["ingest"].items() if k != "drain_s"})
        phases.append(phase)
    # Idle again on the same server, now that nothing is queued.
    idle_after = await idle_latencies(url, args.conversation, idle_questions)
    return {
        "benchmark": "load",
        "cores": os.cpu_count(),
        "url": url if args.url else "started by the benchmark (embedded FalkorDB)",
        "server_env": args.env,
        "conversation": args.conversation,
        "import": imported,
        "questions": len(questions),
        "ingest_share": args.ingest_share,
        "idle_search_ms": summary(idle),
        "idle_search_ms_after": summary(idle_after),
        "phases": phases,
        "ingest": dict(totals),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase")
    parser.add_argument("--url", help="use this server instead of starting one")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--conversation", default="conv-26")
    parser.add_argument(
        "--drain-s", type=float, default=300.0, help="wait for each phase's ingests"
    )
    parser.add_argument(
        "--ingest-share", type=float, default=0.1, help="share of requests that ingest"
    )
    parser.add_argument("--idle-questions", type=int, default=0, help="0: every question")
    parser.add_argument(
        "--env", action="append", default=[], help="KENNING_X=Y for the started server"
    )
    args = parser.parse_args()
    extra = dict(item.split("=", 1) for item in args.env)
    if args.url:
        space_empty = not httpx.get(
            f"{args.url}/v1/facts", params={"space": args.conversation}, timeout=30
        ).json()["items"]
        imported = import_space(args.url, args.data, args.conversation) if space_empty else "kept"
        result = asyncio.run(measure(args.url, args, imported))
    else:
        with (
            tempfile.TemporaryDirectory() as tmp,
            started_server(Path(tmp) / "data", extra) as url,
        ):
            imported = import_space(url, args.data, args.conversation)
            result = asyncio.run(measure(url, args, imported))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

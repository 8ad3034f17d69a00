"""More steps of the access state machine (tests/access_oracle.py) on either
engine; prints JSON with the steps run, leaks and wrongly hidden facts.

    python benchmarks/access_stateful.py [--engine falkordb|neo4j] [--steps 50000]

One app is served (uvicorn, in a thread) on the engine's graph with a
bootstrap admin key in a tenant of its own and no rate limits; the machine
then runs examples of up to 50 steps each until ``--steps`` steps ran.
Exits non-zero on any leak, wrongly hidden fact or unexpected answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvicorn

import engines
from kenning.api.app import create_app
from kenning.config import load_settings

sys.path.insert(0, str(engines.ROOT))
from tests import access_oracle


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run(where: engines.Target, steps: int) -> dict[str, Any]:
    """Serve the app on ``where`` and run the machine for ``steps`` steps."""
    tenant, boot = f"stateful-{uuid.uuid4().hex[:8]}", "boot-" + uuid.uuid4().hex * 2
    settings = load_settings(
        **where.settings,
        bootstrap_admin_key=boot,
        bootstrap_tenant=tenant,
        require_keys=True,
        rate_limit_member="",
        rate_limit_admin="",
    )
    port = _port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                headers = {"Authorization": f"Bearer {boot}"}
                if httpx.get(url + "/v1/keys", headers=headers, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not become ready")
            time.sleep(0.2)
        started = time.perf_counter()
        error = None
        try:
            ran = access_oracle.run_machine(url, boot, steps)
        except AssertionError as exc:
            ran, error = next(access_oracle.STEPS), str(exc)[:2000]
        seconds = time.perf_counter() - started
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    return {
        "benchmark": "access_stateful",
        "engine": where.engine,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "steps": ran,
        "seconds": round(seconds, 1),
        "steps_per_s": round(ran / seconds, 1),
        "leaks": len(access_oracle.LEAKS),
        "wrongly_hidden": len(access_oracle.HIDDEN),
        "first_problems": (access_oracle.LEAKS + access_oracle.HIDDEN)[:5],
        "error": error,
    }


def main() -> None:
    """Parse arguments, run, print JSON; exit 1 when anything was wrong."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=engines.ENGINES, default="falkordb")
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = args.out or Path(__file__).parent / "results" / f"access_stateful-{args.engine}.json"

    async def work(where: engines.Target) -> dict[str, Any]:
        return await asyncio.to_thread(run, where, args.steps)

    result = engines.run_on(args.engine, None, work)
    engines.emit(result, out)
    if result["error"] or result["leaks"] or result["wrongly_hidden"]:
        sys.exit(1)


if __name__ == "__main__":
    main()

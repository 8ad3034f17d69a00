"""What checking a caller costs: a managed key's lookup by the hash of its
secret (every request; a key's first in a minute also writes
``last_used_at``), the development-mode "has the tenant a key?" ask (at most
once a second per process) and a claim of a new space, with ``--keys`` keys
in ``--tenants`` tenants in the store. Prints JSON. Not a test.

    python benchmarks/access_keys.py [--keys 2000] [--tenants 50] [--engine falkordb|neo4j|both]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engines
from kenning.access.keys import KeyService
from kenning.config import load_settings
from kenning.domain.ids import new_id
from kenning.store.factory import create_store

#: Timed calls per operation.
ROUNDS = 300


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)  # noqa: E731
    return {"p50_ms": pick(0.5), "p95_ms": pick(0.95)}


async def measure(where: engines.Target, n_keys: int, n_tenants: int) -> dict[str, Any]:
    store = create_store(load_settings(**where.settings))
    await store.open()
    keys, prefix = KeyService(store), new_id("bench")
    try:
        secrets = []
        for i in range(n_keys):
            _, secret = await keys.create(f"{prefix}-{i % n_tenants}", "member", spaces=["a"])
            secrets.append(secret)
        timings: dict[str, list[float]] = {
            "authenticate_first": [],
            "authenticate_again": [],
            "tenant_has_keys": [],
            "claim": [],
        }
        member, _ = await keys.create(f"{prefix}-claims", "member")
        for i in range(ROUNDS):
            # First use in a minute: the lookup plus the last_used_at write.
            started = time.perf_counter()
            assert await keys.authenticate(secrets[i % n_keys]) is not None
            timings["authenticate_first"].append((time.perf_counter() - started) * 1000)
            # Every further request of that key: the lookup alone.
            started = time.perf_counter()
            assert await keys.authenticate(secrets[i % n_keys]) is not None
            timings["authenticate_again"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await store.tenant_has_keys(f"{prefix}-none")
            timings["tenant_has_keys"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            assert await store.claim_space(member.tenant, member.id, f"s{i}")
            timings["claim"].append((time.perf_counter() - started) * 1000)
        return {
            "engine": where.engine,
            "keys": n_keys,
            "tenants": n_tenants,
            **{name: _percentiles(samples) for name, samples in timings.items()},
        }
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=2000)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--engine", choices=engines.CHOICES, default="falkordb")
    args = parser.parse_args()
    chosen = engines.ENGINES if args.engine == "both" else (args.engine,)
    results = [
        engines.run_on(engine, None, lambda where: measure(where, args.keys, args.tenants))
        for engine in chosen
    ]
    engines.emit({"cpu_count": os.cpu_count(), "rounds": ROUNDS, "results": results}, None)


if __name__ == "__main__":
    main()

"""Run time of each memory agent on a synthetic space of N facts, either engine.

The space is written through the store port (no extraction, no vectors: the
agents read structure and dates, not embeddings): N facts (default 100,000;
``--facts``) over N/4 entities in communities of 25 (85 % of facts inside a
community), one hub (the user) with facts to 2 % of the entities, one episode
per 10 facts mentioning their ends, dates over two years, and 5 % of the
facts restated 3 to 6 times at a weekly or monthly rhythm. Then every agent
in ``kenning.agents.registry.ANALYSES`` (or those named by ``--agent``) runs
once, without auto-fix, and the script prints JSON: cores, space size, write
time and each agent's wall time with its stats.

    python benchmarks/agents_scale.py --facts 10000 --engine falkordb
    python benchmarks/agents_scale.py --engine neo4j --data-dir /tmp/scale
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import engines

from kenning.agents.models import AgentContext
from kenning.agents.registry import ANALYSES
from kenning.config import load_settings
from kenning.domain.ids import content_hash, dedup_key, new_id
from kenning.domain.models import Scope
from kenning.store.base import CypherStore
from kenning.store.factory import create_store
from kenning.store.port import EntityRow, FactRow, GraphWrite, MentionRow, NewEpisode
from kenning.store.temporal_port import Statement

TENANT = "bench"
START = datetime(2023, 1, 1, tzinfo=UTC)
PREDICATES = [f"rel_{i}" for i in range(20)]
COMMUNITY = 25
BATCH = 2000


def synthetic(n_facts: int, seed: int = 7) -> tuple[list[EntityRow], list[list[FactRow]]]:
    """Entities and fact batches (each batch is one list of 10-fact episodes)."""
    rng = random.Random(seed)
    n_entities = max(n_facts // 4, 2 * COMMUNITY)
    entities = [EntityRow(new_id("en"), f"e{i}", f"Entity {i}", "Thing") for i in range(n_entities)]
    entities.append(EntityRow(new_id("en"), "user", "User", "Person"))
    facts: list[FactRow] = []
    for i in range(n_facts):
        if i % 50 == 0:  # the hub: 2 % of facts
            s, o = n_entities, rng.randrange(n_entities)
        else:
            s = rng.randrange(n_entities)
            base = s - s % COMMUNITY
            inside = rng.random() < 0.85
            o = base + rng.randrange(COMMUNITY) if inside else rng.randrange(n_entities)
            o = min(o, n_entities - 1)
        at = START + timedelta(days=rng.randrange(700), hours=rng.randrange(24))
        statements = []
        if rng.random() < 0.05:  # a habit restated at a rhythm
            step = rng.choice((7, 30))
            statements = [
                Statement((), None, None, at + timedelta(days=step * k), 0.8)
                for k in range(rng.randint(3, 6))
            ]
        facts.append(
            FactRow(
                new_id("fa"),
                entities[s].key,
                rng.choice(PREDICATES),
                entities[o].key,
                f"{entities[s].name} relates to {entities[o].name}",
                0.8,
                None,
                None,
                [],
                observed_at=at,
                statements=statements,
            )
        )
    return entities, [facts[i : i + BATCH] for i in range(0, len(facts), BATCH)]


async def write(store: CypherStore, scope: Scope, n_facts: int) -> dict[str, Any]:
    """Write the synthetic space (unless it is there already); seconds taken."""
    have = (await store.space_stats(scope)).facts
    if have >= n_facts * 0.95:
        return {"reused": True, "seconds": 0.0}
    started = time.perf_counter()
    entities, batches = synthetic(n_facts)
    for i in range(0, len(entities), BATCH):
        await store.write_graph(scope, GraphWrite(entities=entities[i : i + BATCH]), [], START)
    for batch in batches:
        await write_batch(store, scope, batch)
    return {"reused": False, "seconds": round(time.perf_counter() - started, 1)}


async def write_batch(store: CypherStore, scope: Scope, facts: list[FactRow]) -> None:
    """One episode per 10 facts, mentioning their ends; then the facts."""
    episodes, rows, mentions = [], [], []
    for i in range(0, len(facts), 10):
        chunk = facts[i : i + 10]
        at = min(f.observed_at or START for f in chunk)
        text = f"synthetic episode {chunk[0].id}"
        digest = content_hash("user", "User", text)
        episode = NewEpisode(
            new_id("ep"), dedup_key(None, digest, at), "user", "User", text, digest, at
        )
        episodes.append(episode)
        for f in chunk:
            stated = [
                Statement((episode.id,), s.valid_from, s.valid_to, s.observed_at, 0.8)
                for s in f.statements
            ]
            rows.append(
                FactRow(
                    f.id,
                    f.subject_key,
                    f.predicate,
                    f.object_key,
                    f.text,
                    0.8,
                    None,
                    None,
                    [episode.id],
                    observed_at=at,
                    statements=stated,
                )
            )
            mentions += [
                MentionRow(episode.id, f.subject_key),
                MentionRow(episode.id, f.object_key),
            ]
    refs = await store.add_episodes(scope, new_id("job"), episodes, START)
    await store.write_graph(
        scope, GraphWrite(facts=rows, mentions=mentions), [r.id for r in refs], START
    )


async def run(args: argparse.Namespace, where: engines.Target) -> dict[str, Any]:
    """Write (or re-use) the space, then time each agent once."""
    settings = load_settings(**where.settings, store_read_timeout_s=600, store_write_timeout_s=600)
    store = create_store(settings)
    await store.open()
    scope = Scope(tenant=TENANT, space=f"synthetic-{args.facts}")
    try:
        written = await write(store, scope, args.facts)
        stats = await store.space_stats(scope)
        agents: dict[str, Any] = {}
        for name, analysis in ANALYSES.items():
            if args.agent and name not in args.agent:
                continue
            ctx = AgentContext(store, scope, new_id("run"), datetime.now(UTC))
            started = time.perf_counter()
            outcome = await analysis(ctx)
            seconds = round(time.perf_counter() - started, 2)
            agents[name] = {
                "seconds": seconds,
                "insights": len(outcome.insights),
                "stats": outcome.stats,
            }
    finally:
        await store.close()
    return {
        "benchmark": "agents_scale",
        "engine": where.engine,
        "cores": os.cpu_count(),
        "space": {"facts": stats.facts, "entities": stats.entities, "episodes": stats.episodes},
        "write": written,
        "agents": agents,
    }


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--engine", choices=engines.ENGINES, default="falkordb")
    parser.add_argument("--agent", action="append", help="only these agents (repeatable)")
    parser.add_argument("--data-dir", type=Path, help="keep (and re-use) the graph here")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    result = engines.run_on(args.engine, args.data_dir, lambda where: run(args, where))
    engines.emit(result, args.out)


if __name__ == "__main__":
    main()

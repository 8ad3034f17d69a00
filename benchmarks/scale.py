"""Search latency at scale: spaces of 10k and 100k facts, 1M across 100 spaces.

Builds synthetic but realistic spaces (people with the places they live in,
employers, job titles, hobbies, pets, friends, birthdays and trips, and one
chat turn per 10 facts that mentions them) through the store port, with
precomputed vectors: each vocabulary item (first name, last name, place,
employer, hobby, predicate phrase, month) is embedded once by the real model
and a fact's vector is the normalised sum of its parts' vectors plus a little
noise, so building is not dominated by embedding. Then it times
``SearchService.search`` (the query embedding included, in-process, no HTTP)
over questions about the space's people, per size, and a small space (about
a LoCoMo conversation, 500 facts) alone and again with the big spaces beside
it. Prints JSON: cores, load average, build seconds per space, p50/p95/p99 ms
per size, peak RSS of Kenning and of the database.

    python benchmarks/scale.py --engine falkordb --sizes 10k,100k
    python benchmarks/scale.py --engine neo4j --sizes 10k,100k,1m --data-dir /tmp/scale

``1m`` is 100 spaces of 10k facts (the latency is a search in one of them).
Build times measured on the 2-core development machine are in the README
("Scale"). With ``--data-dir`` spaces already written are re-used (then the
small space cannot be measured alone and ``alone`` is null).
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

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import engines
from benchmarks.stats import percentile

from kenning.api.runtime import freeze_startup_objects, load_embedder, search_config
from kenning.config import load_settings
from kenning.domain.ids import content_hash, dedup_key, new_id
from kenning.domain.models import Scope
from kenning.embed.port import Embedder
from kenning.search.service import SearchService
from kenning.store.base import CypherStore
from kenning.store.factory import create_store
from kenning.store.port import EntityRow, FactRow, GraphWrite, MentionRow, NewEpisode

TENANT = "scale"


def words(text: str) -> list[str]:
    """The words of ``text`` (a compact way to write a vocabulary)."""
    return text.split()


START = datetime(2021, 1, 1, tzinfo=UTC)
BATCH = 1000
FIRST = words(
    "Alice Bob Carol David Emma Frank Grace Henry Irene Jack Karen Liam Mia Noah Olivia Paul "
    "Quinn Rosa Sam Tara Umar Vera Will Xena Yusuf Zoe Aaron Bella Caleb Daisy Ethan Fiona "
    "George Hannah Ivan Julia Kevin Laura Marco Nina Oscar Priya Ravi Sofia Tom Uma Victor "
    "Wendy Yara Zack Amir Beatriz Chen Dmitri Elena Farah Gustavo Hana Ines Jonas"
)
LAST = words(
    "Smith Jones Garcia Miller Davis Lopez Wilson Moore Taylor Thomas Lee Martin Clark Lewis "
    "Walker Hall Young King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell "
    "Roberts Carter Phillips Evans Turner Torres Parker Collins Edwards Stewart Morris Murphy "
    "Cook Rogers Morgan Peterson Cooper Reed Bailey Bell Gomez Kelly Howard Ward Cox Diaz"
)
PLACES = words(
    "Lisbon Porto Madrid Paris Berlin Munich Vienna Prague Warsaw Oslo Stockholm Helsinki "
    "Dublin London Leeds Glasgow Boston Chicago Denver Austin Seattle Portland Toronto "
    "Montreal Vancouver Tokyo Osaka Seoul Sydney Melbourne Auckland Nairobi Lagos Cairo "
    "Istanbul Athens Rome Milan Naples Zurich Geneva Brussels Amsterdam Copenhagen"
)
EMPLOYERS = words(
    "Acme Globex Initech Umbrella Hooli Stark Wayne Wonka Cyberdyne Soylent Tyrell Aperture "
    "Vandelay Dunder Pied Piper Gringotts Oscorp Monarch Massive Dynamic"
)
TITLES = words("engineer nurse teacher designer chef lawyer accountant pilot doctor writer")
HOBBIES = [
    "hiking",
    "painting",
    "pottery",
    "rock climbing",
    "chess",
    "salsa dancing",
    "baking",
    "birdwatching",
    "cycling",
    "photography",
    "knitting",
    "surfing",
    "gardening",
    "yoga",
    "playing the guitar",
    "running marathons",
    "camping",
    "reading fantasy novels",
]
PETS = ["a dog", "a cat", "two cats", "a parrot", "a rabbit", "a hamster", "a turtle"]
MONTHS = "January February March April May June July August September October November December"
QUESTIONS = [
    "Where does {p} live?",
    "What does {p} like to do in their free time?",
    "Where does {p} work?",
    "When is {p}'s birthday?",
    "Who is {p} friends with?",
    "What pet does {p} have?",
    "Which city did {p} visit last year?",
    "Who enjoys {h} in {c}?",
    "Who works at {e} as a {t}?",
]


class Vocabulary:
    """Each word or phrase of the synthetic world embedded once (unit vectors)."""

    def __init__(self, embedder: Embedder) -> None:
        self.words = [
            *FIRST,
            *LAST,
            *PLACES,
            *EMPLOYERS,
            *TITLES,
            *HOBBIES,
            *PETS,
            *MONTHS.split(),
            "lives in",
            "works at",
            "works as",
            "likes",
            "has",
            "is friends with",
            "was born on",
            "visited",
        ]
        vectors = embedder.embed(self.words)
        self.vectors = {w: vectors[i] for i, w in enumerate(self.words)}
        self.rng = np.random.default_rng(11)

    def vector(self, *parts: str) -> list[float]:
        """The normalised sum of ``parts``' vectors and a little noise."""
        total = sum((self.vectors[p] for p in parts), np.zeros(384, dtype=np.float32))
        total = total + self.rng.normal(0, 0.05, 384).astype(np.float32)
        unit: npt.NDArray[np.float32] = total / np.linalg.norm(total)
        return [float(x) for x in unit]


def people(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """``n`` distinct (first, last) names; past every combination a number
    is appended to the last name."""
    combos = [(f, la) for f in FIRST for la in LAST]
    rng.shuffle(combos)
    out = []
    for i in range(n):
        first, last = combos[i % len(combos)]
        out.append((first, last if i < len(combos) else f"{last}{i // len(combos)}"))
    return out


def world(n_facts: int, vocab: Vocabulary, seed: int) -> GraphWrite:
    """Entities (with vectors) and ``n_facts`` facts (with vectors) of one space."""
    rng = random.Random(seed)
    names = people(max(n_facts // 10, 5), rng)
    write = GraphWrite()
    keys: dict[str, str] = {}

    def entity(name: str, kind: str, *parts: str) -> str:
        key = name.lower()
        if key not in keys:
            keys[key] = new_id("en")
            write.entities.append(EntityRow(keys[key], key, name, kind))
            write.entity_vectors[key] = vocab.vector(*parts)
        return key

    for i in range(n_facts):
        first, last = names[rng.randrange(len(names))]
        person = f"{first} {last}"
        subject = entity(person, "Person", first, last.rstrip("0123456789"))
        kind = i % 8
        day = START + timedelta(days=rng.randrange(1500))
        month = day.strftime("%B")
        if kind == 0:
            place = rng.choice(PLACES)
            obj, pred, text, parts = (
                place,
                "lives_in",
                f"{person} lives in {place}",
                ["lives in", place],
            )
        elif kind == 1:
            org = rng.choice(EMPLOYERS)
            obj, pred, text, parts = org, "works_at", f"{person} works at {org}", ["works at", org]
        elif kind == 2:
            title = rng.choice(TITLES)
            obj, pred, text, parts = (
                title,
                "job_title",
                f"{person} works as a {title}",
                ["works as", title],
            )
        elif kind in (3, 4):
            hobby = rng.choice(HOBBIES)
            obj, pred, text, parts = hobby, "likes", f"{person} likes {hobby}", ["likes", hobby]
        elif kind == 5:
            f2, l2 = names[rng.randrange(len(names))]
            obj, pred = f"{f2} {l2}", "friend_of"
            text, parts = (
                f"{person} is friends with {obj}",
                ["is friends with", f2, l2.rstrip("0123456789")],
            )
        elif kind == 6:
            pet = rng.choice(PETS)
            obj, pred, text, parts = pet, "has_pet", f"{person} has {pet}", ["has", pet]
        else:
            place = rng.choice(PLACES)
            obj, pred = place, "visited"
            text, parts = (
                f"{person} visited {place} in {month} {day.year}",
                ["visited", place, month],
            )
        okey = entity(obj, "Person" if kind == 5 else "Concept", *parts[1:])
        write.facts.append(
            FactRow(
                new_id("fa"),
                subject,
                pred,
                okey,
                text,
                0.9,
                day if kind == 7 else None,
                None,
                [],
                observed_at=day,
            )
        )
        write.fact_vectors[write.facts[-1].id] = vocab.vector(first, *parts)
    return write


async def build(
    store: CypherStore, scope: Scope, n_facts: int, vocab: Vocabulary, seed: int
) -> float:
    """Write one space (entities, then batches of facts with one turn per 10
    facts mentioning their ends); seconds taken, 0 when it was there already."""
    if (await store.space_stats(scope)).facts >= n_facts * 0.95:
        return 0.0
    started = time.perf_counter()
    data = world(n_facts, vocab, seed)
    for i in range(0, len(data.entities), BATCH):
        part = data.entities[i : i + BATCH]
        vectors = {e.key: data.entity_vectors[e.key] for e in part}
        await store.write_graph(scope, GraphWrite(entities=part, entity_vectors=vectors), [], START)
    for i in range(0, len(data.facts), BATCH):
        await write_batch(store, scope, data, data.facts[i : i + BATCH])
    return time.perf_counter() - started


async def write_batch(
    store: CypherStore, scope: Scope, data: GraphWrite, facts: list[FactRow]
) -> None:
    """``facts`` and their vectors; one turn per 10 facts, spoken by the first
    fact's subject and saying the fact, mentions both ends."""
    episodes, mentions, rows, episode_vectors = [], [], [], {}
    for j in range(0, len(facts), 10):
        chunk = facts[j : j + 10]
        at = chunk[0].observed_at or START
        text = f"By the way, {chunk[0].text.split(' ', 2)[2]}, I told you about it last week."
        speaker = chunk[0].subject_key.title()
        digest = content_hash("user", speaker, text + chunk[0].id)
        episode = NewEpisode(
            new_id("ep"), dedup_key(None, digest, at), "user", speaker, text, digest, at
        )
        episodes.append(episode)
        episode_vectors[episode.id] = data.fact_vectors[chunk[0].id]
        mentions += [
            MentionRow(episode.id, chunk[0].subject_key),
            MentionRow(episode.id, chunk[0].object_key),
        ]
        rows += [
            FactRow(
                f.id,
                f.subject_key,
                f.predicate,
                f.object_key,
                f.text,
                f.confidence,
                f.valid_from,
                None,
                [episode.id],
                observed_at=f.observed_at,
            )
            for f in chunk
        ]
    refs = await store.add_episodes(scope, new_id("job"), episodes, START)
    vectors = {f.id: data.fact_vectors[f.id] for f in facts}
    write = GraphWrite(
        facts=rows, mentions=mentions, fact_vectors=vectors, episode_vectors=episode_vectors
    )
    await store.write_graph(scope, write, [r.id for r in refs], START)


def questions(n: int, n_facts: int, seed: int) -> list[str]:
    """``n`` questions about the people (and places, hobbies) of a space built with ``seed``."""
    rng = random.Random(seed)
    names = people(max(n_facts // 10, 5), rng)
    pick = random.Random(seed + 1)
    out = []
    for _ in range(n):
        first, last = names[pick.randrange(len(names))]
        template = pick.choice(QUESTIONS)
        out.append(
            template.format(
                p=f"{first} {last}",
                h=pick.choice(HOBBIES),
                c=pick.choice(PLACES),
                e=pick.choice(EMPLOYERS),
                t=pick.choice(TITLES),
            )
        )
    return out


async def latency(
    search: SearchService, scope: Scope, asked: list[str], warmup: int
) -> dict[str, float]:
    """p50/p95/p99 and mean (ms) of one search per question after ``warmup``
    untimed searches (the questions in turn): a JVM (Neo4j) runs its query
    paths interpreted until they are hot, ~12 ms for ``RETURN 1`` over Bolt
    cold against ~3 ms after 1,500 calls here, and a server is measured warm."""
    for i in range(warmup):
        await search.search(scope, asked[i % len(asked)], 10)
    times = []
    for q in asked:
        t0 = time.perf_counter()
        await search.search(scope, q, 10)
        times.append((time.perf_counter() - t0) * 1000)
    out = {
        "queries": len(times),
        "p50": round(percentile(times, 50), 1),
        "p95": round(percentile(times, 95), 1),
        "p99": round(percentile(times, 99), 1),
        "mean": round(sum(times) / len(times), 1),
    }
    # Partial results survive a run stopped before the end.
    print(f"search {scope.space}: {out} load {os.getloadavg()}", file=sys.stderr)
    return out


def plan(sizes: list[str]) -> list[tuple[str, list[tuple[str, int]]]]:
    """Per size label, the spaces (name, facts) it builds; the first is searched."""
    out = []
    for label in sizes:
        if label == "1m":
            out.append((label, [(f"many-{i:03d}", 10_000) for i in range(100)]))
        else:
            n = int(label.lower().replace("k", "000"))
            out.append((label, [(f"space-{label}", n)]))
    return out


async def run(args: argparse.Namespace, where: engines.Target) -> dict[str, Any]:
    """Small space alone, then each size built and searched, then the small one again."""
    settings = load_settings(**where.settings, store_read_timeout_s=600, store_write_timeout_s=600)
    store = create_store(settings)
    await store.open()
    embedder = load_embedder(settings)
    # As the served app does after loading its models (Runtime.start): without
    # it a full collection scans the models' objects, ~230 ms here, about once
    # every 150 searches, and the benchmark's p99 would show pauses that
    # `kenning serve` does not have.
    freeze_startup_objects()
    search = SearchService(
        store,
        embedder,
        settings.exact_search_max_items,
        settings.ann_oversample,
        search_config(settings),
    )
    vocab = Vocabulary(embedder)
    small = Scope(tenant=TENANT, space="small")
    result: dict[str, Any] = {"benchmark": "scale", "engine": where.engine, "cores": os.cpu_count()}
    result["load_average_start"] = os.getloadavg()
    builds: dict[str, float] = {}
    try:
        others = [s for s in await store.list_spaces(TENANT) if s != "small"]
        builds["small"] = round(await build(store, small, 500, vocab, 1), 1)
        small_q = questions(args.queries, 500, 1)
        result["small_alone"] = (
            None if others else await latency(search, small, small_q, args.warmup)
        )
        result["sizes"] = {}
        for label, spaces in plan(args.sizes):
            started = time.perf_counter()
            for seed, (name, n) in enumerate(spaces, start=100):
                builds[name] = round(
                    await build(store, Scope(tenant=TENANT, space=name), n, vocab, seed), 1
                )
                print(f"built {name}: {builds[name]} s", file=sys.stderr)
            name, n = spaces[0]
            scope = Scope(tenant=TENANT, space=name)
            stats = await store.space_stats(scope)
            result["sizes"][label] = {
                "spaces": len(spaces),
                "facts_in_space": stats.facts,
                "episodes_in_space": stats.episodes,
                "build_s": round(time.perf_counter() - started, 1),
                "search_ms": await latency(
                    search, scope, questions(args.queries, n, 100), args.warmup
                ),
            }
        result["small_with_others"] = await latency(search, small, small_q, args.warmup)
        # Before closing: the embedded server's pid file goes when it stops.
        result["peak_rss_mb"] = engines.peak_rss_mb(where)
    finally:
        await store.close()
    alone, beside = result.get("small_alone"), result.get("small_with_others")
    if alone and beside:
        result["small_p95_ratio"] = round(beside["p95"] / alone["p95"], 2)
    result["build_s"] = builds
    result["load_average_end"] = os.getloadavg()
    return result


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=engines.ENGINES, default="falkordb")
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated: 10k, 100k, 1m, ...")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument(
        "--warmup", type=int, default=100, help="untimed searches before each measurement"
    )
    parser.add_argument("--data-dir", type=Path, help="keep (and re-use) the graph here")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    args.sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result = engines.run_on(args.engine, args.data_dir, lambda where: run(args, where))
    engines.emit(result, args.out)


if __name__ == "__main__":
    main()

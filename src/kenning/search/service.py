"""Hybrid search over facts and episodes: channels → fusion → time → MMR."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from kenning.access.sharing import merge_terms, merge_vector, shared_terms, words_of
from kenning.domain.models import (
    NO_CATEGORY,
    CategoryFilter,
    ChannelScore,
    Episode,
    Fact,
    Scope,
    SearchHit,
    utcnow,
)
from kenning.domain.rules import QUERY_MAX_CHARS
from kenning.embed.port import Embedder
from kenning.errors import InputError
from kenning.search import channels as ch
from kenning.search.bm25 import bm25
from kenning.search.common_words import CommonWords
from kenning.search.config import SearchConfig
from kenning.search.fusion import Fused, reciprocal_rank_fusion
from kenning.search.mmr import jaccard, mmr, word_set
from kenning.search.query import QueryAnalysis, analyse, query_terms
from kenning.store.graph_port import TimeFilter
from kenning.store.port import (
    GraphStore,
    ScoredId,
    SearchKind,
    SpaceStats,
    TermMatches,
    VectorKind,
)
from kenning.store.teams_port import SharedScope

__all__ = ["SearchService", "query_terms"]

#: The ranking that adds to fused scores instead of taking part in RRF.
NEIGHBOURHOOD = "neighbourhood/episode"
#: Spaces with more items than this have their counts cached ...
STATS_CACHE_MIN_ITEMS = 5000
#: ... for this many seconds ...
STATS_CACHE_S = 10.0
#: ... for at most this many spaces at a time.
STATS_CACHE_SPACES = 1024


class SearchService:
    """Vector, full-text, graph, neighbourhood and time channels, fused with RRF.

    Args:
        store: The graph store.
        embedder: Embeds the query (the same model as the stored vectors).
        exact_max_items: Spaces with at most this many items of a kind are
            searched exactly; larger ones through the shared ANN index.
        ann_oversample: ANN candidates fetched per wanted hit, because the
            index spans all tenants and spaces and is filtered afterwards.
        config: Weights and depths (defaults: :class:`SearchConfig`).
    """

    def __init__(
        self,
        store: GraphStore,
        embedder: Embedder,
        exact_max_items: int = 20000,
        ann_oversample: int = 10,
        config: SearchConfig | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._exact_max = exact_max_items
        self._oversample = ann_oversample
        self.config = config or SearchConfig()
        self._stats: dict[tuple[str, str], tuple[float, SpaceStats]] = {}
        #: Too-common words of spaces over STATS_CACHE_MIN_ITEMS items.
        self._common = CommonWords()

    async def search(
        self,
        scope: Scope,
        query: str,
        top_k: int = 10,
        *,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        shared: SharedScope | None = None,
        categories: CategoryFilter = NO_CATEGORY,
    ) -> list[SearchHit]:
        """The ``top_k`` best facts and episodes for ``query``, best first.

        Args:
            scope: Tenant and space searched.
            query: Free text.
            top_k: How many hits to return.
            as_of: Facts valid at this instant (UTC); default now.
            known_at: Facts and episodes recorded by this instant; default now.
            shared: Facts other spaces share with the space's teams
                (:class:`~kenning.access.sharing.SharedReads`); they take
                part in the vector and full-text channels of facts and come
                back with ``shared_from`` set. None: the space's own only.
            categories: Only facts and episodes tagged with each given
                ``agent_id``/``run_id``/``app_id`` (shared facts too);
                default: no filter.

        Returns:
            Hits with their fused score, per-channel rank, score and reason
            (``vector``, ``fulltext``, ``graph``, ``neighbourhood``, ``time``)
            and their source episodes.

        Raises:
            InputError: ``query`` is empty or longer than
                :data:`~kenning.domain.rules.QUERY_MAX_CHARS` (field ``query``).
            StoreUnavailable: the graph is down.
        """
        if not 1 <= len(query) <= QUERY_MAX_CHARS:
            raise InputError(
                f"query must have 1 to {QUERY_MAX_CHARS} characters, got {len(query)}",
                field="query",
            )
        now = utcnow()
        state = _Request(scope, analyse(query), as_of or now, known_at or now, top_k)
        state.shared = shared or SharedScope()
        state.categories = categories
        state.plain = as_of is None and known_at is None and not categories and not shared
        await self._first_pass(state, query)
        size = max(top_k * self.config.pool, top_k)
        # Fetch the likely results while the graph and neighbourhood are asked;
        # only what those channels add is fetched afterwards.
        first = [f.key for f in self._fuse(state)[:size]]
        prefetch = asyncio.create_task(self._objects(state, first))
        try:
            fused = await self._expand(state)
        finally:
            objects = await prefetch
        pool = fused[:size]
        objects.update(await self._objects(state, [f.key for f in pool if f.key not in objects]))
        hits = [_hit(f, objects[f.key], state) for f in pool if f.key in objects]
        hits = self._time_and_recency(hits, state)
        # Sources and words are computed once per hit, not once per comparison.
        items = [(frozenset(h.episode_ids), word_set(h.text)) for h in hits]
        order = mmr(items, [h.score for h in hits], _similarity, top_k, self.config.mmr_lambda)
        return [hits[i] for i in order]

    async def _first_pass(self, state: _Request, query: str) -> None:
        """Ask the full-text indexes while the query is embedded, then the vector indexes."""
        scope, depth = state.scope, max(self.config.candidates, state.top_k)
        embedding = asyncio.create_task(self._embedder.embed_query(query))
        try:
            stats, named = await asyncio.gather(
                self._space_stats(scope),
                self._store.entities_by_name(scope, state.analysis.names),
            )
            sizes = {"fact": stats.facts, "episode": stats.episodes, "entity": stats.entities}
            fact_terms, episode_terms = await asyncio.gather(
                self._terms(state, "fact", sizes["fact"]),
                self._terms(state, "episode", sizes["episode"]),
            )
        finally:
            vector = (await embedding).tolist()
        kinds: tuple[VectorKind, ...] = ("fact", "episode", "entity")
        fact_vec, episode_vec, entity_vec = await asyncio.gather(
            *(self._vector(state, kind, vector, depth, sizes[kind]) for kind in kinds)
        )
        if state.shared:
            # Shared facts join the fact channels as if they were the space's own.
            hits = await self._store.shared_vector_facts(
                scope.tenant,
                state.shared,
                vector,
                TimeFilter(state.as_of, state.known_at),
                categories=state.categories,
            )
            fact_vec = merge_vector(fact_vec, hits, depth)
            sizes["fact"] += len(hits)
            own_terms = fact_terms
            fact_terms = merge_terms(
                own_terms,
                shared_terms(words_of(state.analysis.terms), hits),
                self._max_df(sizes["fact"]),
            )
        fact_text = bm25(fact_terms, sizes["fact"], depth)
        episode_text = bm25(episode_terms, sizes["episode"], depth)
        state.add("vector/fact", fact_vec, ch.fact_key, "cosine {:.2f}")
        state.add("vector/episode", episode_vec, ch.episode_key, "cosine {:.2f}")
        state.add("fulltext/fact", fact_text, ch.fact_key, "BM25 {:.2f}")
        state.add("fulltext/episode", episode_text, ch.episode_key, "BM25 {:.2f}")
        state.seeds = ch.seeds_from(
            named, entity_vec, self.config.entity_min_similarity, self.config.entity_seeds
        )

    def _fuse(self, state: _Request) -> list[Fused]:
        rankings = {n: r.hits for n, r in state.rankings.items() if n != NEIGHBOURHOOD}
        return reciprocal_rank_fusion(rankings, self._weights(state.rankings), self.config.rrf_k)

    async def _expand(self, state: _Request) -> list[Fused]:
        """Graph channel from the seed entities and, at the same time, the
        turns around the best episodes so far; returns the final fusion with
        the neighbourhood bonus, best first."""
        cfg, scope = self.config, state.scope
        first = self._fuse(state)
        tiebreak = {f.key: f.score for f in first}
        candidates = [f.key.split(":", 1)[1] for f in first if f.key.startswith("episode:")]
        seed_ids = list(state.seeds)
        facts, mentioned, near = await asyncio.gather(
            self._store.entity_facts(
                scope,
                seed_ids,
                state.as_of,
                state.known_at,
                cfg.max_degree,
                categories=state.categories,
            ),
            self._store.entity_episodes(
                scope,
                seed_ids,
                state.known_at,
                cfg.max_mentions,
                candidates,
                categories=state.categories,
            ),
            self._store.episode_neighbours(
                scope,
                candidates[: cfg.neighbour_seeds],
                cfg.neighbour_radius,
                cfg.neighbour_window,
                state.known_at,
                categories=state.categories,
            ),
        )
        seeds = ch.weigh_seeds(state.seeds, mentioned, cfg.max_mentions)
        depth = max(cfg.candidates, state.top_k)
        hop2 = cfg.hop2_factor
        state.rankings["graph/fact"] = ch.graph_facts(seeds, facts, hop2, tiebreak, depth)
        state.rankings["graph/episode"] = ch.graph_episodes(seeds, mentioned, tiebreak, depth)
        fused = self._fuse(state)
        # The bonus uses each seed's final score, graph channel included.
        final = {f.key.split(":", 1)[1]: f.score for f in fused if f.key.startswith("episode:")}
        seed_scores = {n.seed: final.get(n.seed, 0.0) for n in near}
        weight = cfg.weights.get("neighbourhood", 1.0)
        bonus = ch.neighbour_bonus(seed_scores, near, weight)
        state.rankings[NEIGHBOURHOOD] = bonus
        return _add_bonus(fused, bonus)

    def _weights(self, rankings: dict[str, ch.Ranking]) -> dict[str, float]:
        # "vector/fact" may be weighed on its own; otherwise its channel's weight.
        weights = self.config.weights
        return {n: weights.get(n, weights.get(n.split("/")[0], 1.0)) for n in rankings}

    def _max_df(self, size: int) -> int:
        return max(1, min(int(size * self.config.max_df_ratio), self.config.max_postings))

    async def _space_stats(self, scope: Scope) -> SpaceStats:
        """The space's counts; those of a space with more than
        :data:`STATS_CACHE_MIN_ITEMS` items are re-counted at most every
        :data:`STATS_CACHE_S` seconds (counting reads every item, and a few
        seconds of staleness changes idf and the exact-or-ANN choice by
        nothing that matters at that size)."""
        key = (scope.tenant, scope.space)
        cached = self._stats.get(key)
        if cached and time.monotonic() - cached[0] < STATS_CACHE_S:
            return cached[1]
        stats = await self._store.space_stats(scope)
        if stats.facts + stats.episodes + stats.entities > STATS_CACHE_MIN_ITEMS:
            if len(self._stats) >= STATS_CACHE_SPACES:
                self._stats.clear()
            self._stats[key] = (time.monotonic(), stats)
        else:
            self._stats.pop(key, None)
        return stats

    async def _terms(self, state: _Request, kind: SearchKind, size: int) -> list[TermMatches]:
        """Per-word matches of the engine's full-text index, for BM25.

        In a space of more than :data:`STATS_CACHE_MIN_ITEMS` items, words
        counted as too common to rank by a little earlier are not asked for
        (:mod:`kenning.search.common_words`; a plain search only: a time or
        category filter or shared facts change the counts).
        """
        max_df = self._max_df(size)
        key = (state.scope.tenant, state.scope.space, kind)
        remember = state.plain and size > STATS_CACHE_MIN_ITEMS
        common = self._common.known(key) if remember else frozenset()
        matches = await self._store.fulltext_terms(
            state.scope,
            kind,
            [t for t in state.analysis.terms if t not in common],
            max_df,
            state.as_of,
            state.known_at,
            categories=state.categories,
        )
        if remember:
            self._common.remember(key, {m.term for m in matches if not m.ids and m.df > max_df})
        return matches

    async def _vector(
        self, state: _Request, kind: VectorKind, vector: list[float], depth: int, size: int
    ) -> list[ScoredId]:
        exact = size <= self._exact_max
        k = depth if exact else depth * self._oversample
        hits = await self._store.vector_search(
            state.scope,
            kind,
            vector,
            k,
            exact=exact,
            as_of=state.as_of,
            known_at=state.known_at,
            categories=state.categories,
        )
        return hits[:depth]

    async def _objects(self, state: _Request, keys: Sequence[str]) -> dict[str, Fact | Episode]:
        """Facts (own or shared) and episodes by fusion key (unknown ones left out)."""
        scope, shared = state.scope, state.shared
        fact_ids = [k.split(":", 1)[1] for k in keys if k.startswith("fact:")]
        own_ids = [i for i in fact_ids if i not in shared.facts]
        shared_ids = [i for i in fact_ids if i in shared.facts]
        episode_ids = [k.split(":", 1)[1] for k in keys if k.startswith("episode:")]
        at = TimeFilter(state.as_of, state.known_at)
        facts, edges, episodes = await asyncio.gather(
            self._store.get_facts(scope, own_ids) if own_ids else _nothing(),
            self._store.shared_facts(
                scope.tenant, shared, shared_ids, at, categories=state.categories
            )
            if shared_ids
            else _nothing(),
            self._store.get_episodes(scope, episode_ids) if episode_ids else _nothing(),
        )
        by_key: dict[str, Fact | Episode] = {ch.fact_key(f.id): f for f in facts}
        by_key.update({ch.fact_key(e.edge.fact.id): e.edge.fact for e in edges})
        by_key.update({ch.episode_key(e.id): e for e in episodes})
        # The queries filter by category already; this keeps a hit of any
        # channel that does not (entities carry no tags) out as well.
        return {k: v for k, v in by_key.items() if state.categories.matches(v)}

    def _time_and_recency(self, hits: list[SearchHit], state: _Request) -> list[SearchHit]:
        """Add the time channel (temporal queries) and the recency prior, re-sort."""
        cfg = self.config
        if state.analysis.temporal:
            ranking = ch.time_ranking(hits)
            weight = cfg.weights.get("time", 1.0)
            for rank, item in enumerate(ranking.hits, start=1):
                hit = next(h for h in hits if _key(h) == item.id)
                hit.score += weight / (cfg.rrf_k + rank)
                hit.channels["time"] = ChannelScore.model_construct(
                    rank=rank, score=1.0, reason=ranking.reasons[item.id]
                )
        if cfg.recency_weight and hits:
            stamps = [_when(h).timestamp() for h in hits]
            low, span = min(stamps), (max(stamps) - min(stamps)) or 1.0
            for hit, stamp in zip(hits, stamps, strict=True):
                hit.score *= 1 + cfg.recency_weight * (stamp - low) / span
        return sorted(hits, key=lambda h: -h.score)


class _Request:
    """What one search has gathered so far."""

    def __init__(
        self, scope: Scope, analysis: QueryAnalysis, as_of: datetime, known_at: datetime, k: int
    ) -> None:
        self.scope = scope
        self.analysis = analysis
        self.as_of = as_of
        self.known_at = known_at
        self.top_k = k
        self.rankings: dict[str, ch.Ranking] = {}
        self.seeds: dict[str, ch.Seed] = {}
        self.shared = SharedScope()
        self.categories = NO_CATEGORY
        #: No time or category filter and no shared facts: counts are the space's own.
        self.plain = False

    def add(self, name: str, hits: list[ScoredId], key: Callable[[str], str], why: str) -> None:
        """Record an index's ranking under ``name``; ``why`` formats each score."""
        keyed = [ScoredId(key(h.id), h.score) for h in hits]
        self.rankings[name] = ch.Ranking(keyed, {h.id: why.format(h.score) for h in keyed})


async def _nothing() -> list[Any]:
    return []


def _add_bonus(fused: list[Fused], bonus: ch.Ranking) -> list[Fused]:
    """Fused items with the neighbourhood bonus added (new items for turns
    that only the neighbourhood found), best first."""
    by_key = {f.key: f for f in fused}
    for rank, hit in enumerate(bonus.hits, start=1):
        item = by_key.setdefault(hit.id, Fused(hit.id))
        item.score += hit.score
        item.channels[NEIGHBOURHOOD] = (rank, hit.score)
    return sorted(by_key.values(), key=lambda f: (-f.score, f.key))


def _key(hit: SearchHit) -> str:
    return ch.fact_key(hit.id) if hit.kind == "fact" else ch.episode_key(hit.id)


def _when(hit: SearchHit) -> datetime:
    if hit.kind == "episode" and hit.occurred_at:
        return hit.occurred_at
    if hit.fact is not None:
        return hit.valid_from or hit.fact.recorded_at
    return utcnow()


def _similarity(
    a: tuple[frozenset[str], frozenset[str]], b: tuple[frozenset[str], frozenset[str]]
) -> float:
    """For MMR: the larger Jaccard of (source episodes, words) of two hits, so a
    fact and the turn it came from, or two near-identical turns, are redundant."""
    return max(jaccard(a[0], b[0]), jaccard(a[1], b[1]))


def _hit(item: Fused, obj: Fact | Episode, state: _Request) -> SearchHit:
    # Built without validation (model_construct): every part is a validated
    # model or a number made here, and validating each hit again, its text
    # checks included, was a large share of a search's Python time.
    channels = {}
    for name, (rank, score) in item.channels.items():
        reason = state.rankings[name].reasons.get(item.key)
        channels[name.split("/", 1)[0]] = ChannelScore.model_construct(
            rank=rank, score=score, reason=reason
        )
    if isinstance(obj, Fact):
        return SearchHit.model_construct(
            kind="fact",
            id=obj.id,
            score=item.score,
            channels=channels,
            text=obj.text,
            episode_ids=obj.episode_ids,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
            fact=obj,
            shared_from=obj.shared_from,
        )
    return SearchHit.model_construct(
        kind="episode",
        id=obj.id,
        score=item.score,
        channels=channels,
        text=obj.content,
        episode_ids=[obj.id],
        occurred_at=obj.occurred_at,
        episode=obj,
    )

"""Hybrid search over facts and episodes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from spacy.lang.en.stop_words import STOP_WORDS

from kenning.domain.models import ChannelScore, Episode, Fact, Scope, SearchHit, utcnow
from kenning.embed.port import Embedder
from kenning.search.fusion import Fused, reciprocal_rank_fusion
from kenning.store.port import GraphStore, ScoredId, SearchKind


def query_terms(query: str) -> list[str]:
    """Lower-cased words of ``query`` without English stop words, in order."""
    words = "".join(c if c.isalnum() else " " for c in query.lower()).split()
    seen: dict[str, None] = {}
    for word in words:
        if word not in STOP_WORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


class SearchService:
    """Vector and full-text channels over facts and episodes, fused with RRF.

    Args:
        store: The graph store.
        embedder: Embeds the query (the same model as the stored vectors).
        exact_max_items: Spaces with at most this many items of a kind are
            searched exactly; larger ones through the shared ANN index.
        ann_oversample: ANN candidates fetched per wanted hit, because the
            index spans all tenants and spaces and is filtered afterwards.
    """

    def __init__(
        self,
        store: GraphStore,
        embedder: Embedder,
        exact_max_items: int = 20000,
        ann_oversample: int = 10,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._exact_max = exact_max_items
        self._oversample = ann_oversample

    async def search(
        self,
        scope: Scope,
        query: str,
        top_k: int = 10,
        *,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
    ) -> list[SearchHit]:
        """The ``top_k`` best facts and episodes for ``query``, best first.

        Each hit carries its RRF score, its rank and raw score per channel
        (``vector``, ``fulltext``) and the episodes it came from. Facts are
        those valid at ``as_of`` (valid time) and known at ``known_at``
        (transaction time); episodes those recorded by ``known_at``. Both
        default to now: currently valid and currently known.

        Raises:
            StoreUnavailable: the graph is down.
        """
        depth = max(top_k * 3, 30)  # candidates per channel before fusion
        vector = (await asyncio.to_thread(self._embedder.embed, [query]))[0].tolist()
        stats = await self._store.space_stats(scope)
        exact = {
            "fact": stats.facts <= self._exact_max,
            "episode": stats.episodes <= self._exact_max,
        }
        terms = query_terms(query)
        now = utcnow()
        when = {"as_of": as_of or now, "known_at": known_at or now}
        kinds: tuple[SearchKind, ...] = ("fact", "episode")
        vector_hits = [
            self._vector(scope, kind, vector, depth, exact[kind], when) for kind in kinds
        ]
        text_hits = [
            self._store.fulltext_search(scope, kind, terms, depth, **when) for kind in kinds
        ]
        fact_vec, ep_vec, fact_text, ep_text = await asyncio.gather(*vector_hits, *text_hits)
        # Each (channel, kind) pair is its own ranking: scores from different
        # indexes are not comparable, ranks are.
        fused = reciprocal_rank_fusion(
            {
                "vector/fact": _tagged("fact", fact_vec),
                "vector/episode": _tagged("episode", ep_vec),
                "fulltext/fact": _tagged("fact", fact_text),
                "fulltext/episode": _tagged("episode", ep_text),
            }
        )[:top_k]
        return await self._hydrate(scope, fused)

    async def _vector(
        self,
        scope: Scope,
        kind: SearchKind,
        vector: list[float],
        depth: int,
        exact: bool,
        when: dict[str, datetime],
    ) -> list[ScoredId]:
        k = depth if exact else depth * self._oversample
        hits = await self._store.vector_search(scope, kind, vector, k, exact=exact, **when)
        return hits[:depth]

    async def _hydrate(self, scope: Scope, fused: Sequence[Fused]) -> list[SearchHit]:
        fact_ids = [f.key.split(":", 1)[1] for f in fused if f.key.startswith("fact:")]
        episode_ids = [f.key.split(":", 1)[1] for f in fused if f.key.startswith("episode:")]
        facts, episodes = await asyncio.gather(
            self._store.get_facts(scope, fact_ids), self._store.get_episodes(scope, episode_ids)
        )
        by_key: dict[str, Fact | Episode] = {f"fact:{f.id}": f for f in facts}
        by_key.update({f"episode:{e.id}": e for e in episodes})
        return [_hit(item, by_key[item.key]) for item in fused if item.key in by_key]


def _tagged(kind: str, hits: list[ScoredId]) -> list[ScoredId]:
    return [ScoredId(f"{kind}:{h.id}", h.score) for h in hits]


def _hit(item: Fused, obj: Fact | Episode) -> SearchHit:
    channels = {
        name.split("/", 1)[0]: ChannelScore(rank=r, score=s)
        for name, (r, s) in item.channels.items()
    }
    if isinstance(obj, Fact):
        return SearchHit(
            kind="fact",
            id=obj.id,
            score=item.score,
            channels=channels,
            text=obj.text,
            episode_ids=obj.episode_ids,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
            fact=obj,
        )
    return SearchHit(
        kind="episode",
        id=obj.id,
        score=item.score,
        channels=channels,
        text=obj.content,
        episode_ids=[obj.id],
        occurred_at=obj.occurred_at,
        episode=obj,
    )

"""Shared reads: what a space may read through its teams, and how shared facts
join its own search, graph and timeline answers.

The readable scope is resolved first, in one query (``access/shared_scope``):
the ids of the facts other member spaces share with the reader's teams, each
with the space and team it comes from. Reads then ask for shared facts by
those ids only (``f.id IN $ids AND f.tenant = $tenant AND f.space IN
$spaces``), so nothing outside the scope can be returned, and a space with
no teams pays for one small query. The scope is resolved on every request,
so an unshare, a leave or a newly private fact counts at the next request.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence

from kenning.domain.ids import entity_key
from kenning.domain.models import Entity, Scope
from kenning.store.graph_port import NeighborhoodEdge
from kenning.store.port import ScoredId, TermMatches
from kenning.store.teams_port import SharedScope, SharedVectorHit, TeamStore

_WORD = re.compile(r"[^\W_]+")

__all__ = [
    "SharedReads",
    "SharedScope",
    "merge_terms",
    "merge_vector",
    "shared_terms",
    "walk",
    "words_of",
]


class SharedReads:
    """Resolves a space's shared scope.

    Args:
        store: The team store.
        private_predicates: Predicates never shared
            (``KENNING_PRIVATE_PREDICATES``, snake_case).
    """

    def __init__(self, store: TeamStore, private_predicates: Sequence[str] = ()) -> None:
        self._store = store
        self.private_predicates = list(private_predicates)

    async def scope(self, scope: Scope, include_shared: bool = True) -> SharedScope:
        """The facts ``scope.space`` may read through its teams; empty when
        ``include_shared`` is false.

        Raises:
            StoreUnavailable: the graph is down.
        """
        if not include_shared:
            return SharedScope()
        return await self._store.shared_scope(scope, self.private_predicates)


def _stem(word: str) -> str:
    # A light plural/verb stem, so "dogs" finds "dog" as the engines' English
    # analysers do for the own-space index.
    for suffix in ("ies", "es", "s", "ed", "ing"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def words_of(terms: Sequence[str]) -> list[str]:
    """The distinct lower-cased plain words of ``terms``, in order (as the
    store asks its full-text index, one word at a time)."""
    return list(dict.fromkeys(w for t in terms for w in _WORD.findall(t.lower())))


def shared_terms(words: Sequence[str], hits: Sequence[SharedVectorHit]) -> list[TermMatches]:
    """Per query word (lower-cased plain words), the shared facts whose text
    holds it, as the engine's full-text channel reports own-space matches."""
    tokens = {h.id: {_stem(w) for w in _WORD.findall(h.text.lower())} for h in hits}
    lengths = {h.id: len(h.text) for h in hits}
    out = []
    for word in words:
        stem = _stem(word)
        ids = [h.id for h in hits if stem in tokens[h.id]]
        out.append(TermMatches(word, len(ids), ids, [lengths[i] for i in ids]))
    return out


def merge_terms(
    own: Sequence[TermMatches], shared: Sequence[TermMatches], max_df: int
) -> list[TermMatches]:
    """Own-space and shared matches of each word as one collection's: the
    document frequencies add up, and a word then matching more than
    ``max_df`` items lists none (as the engine query does)."""
    merged: dict[str, TermMatches] = {m.term: m for m in own}
    for s in shared:
        m = merged.get(s.term, TermMatches(s.term, 0, [], []))
        df = m.df + s.df
        if df > max_df or (m.df and not m.ids):
            merged[s.term] = TermMatches(s.term, df, [], [])
        else:
            merged[s.term] = TermMatches(s.term, df, m.ids + s.ids, m.lengths + s.lengths)
    return list(merged.values())


def merge_vector(
    own: Sequence[ScoredId], shared: Iterable[SharedVectorHit], depth: int
) -> list[ScoredId]:
    """Own and shared cosine hits (the same model, so comparable) as one
    ranking, best first, at most ``depth``."""
    both = [*own, *(ScoredId(h.id, h.score) for h in shared)]
    return sorted(both, key=lambda h: (-h.score, h.id))[:depth]


def walk(
    edges: Sequence[NeighborhoodEdge], centres: Sequence[str], depth: int, limit: int
) -> list[NeighborhoodEdge]:
    """The edges within ``depth`` hops of any of ``centres`` (entity ids), each
    with the hop at which a breadth-first walk first reaches it, nearest
    first, at most ``limit``."""
    around: dict[str, list[NeighborhoodEdge]] = {}
    for e in edges:
        around.setdefault(e.subject.id, []).append(e)
        around.setdefault(e.object.id, []).append(e)
    seen_nodes = dict.fromkeys(centres, 0)
    found: dict[str, NeighborhoodEdge] = {}
    queue = deque(centres)
    while queue:
        here = queue.popleft()
        hop = seen_nodes[here] + 1
        if hop > depth:
            continue
        for e in sorted(around.get(here, ()), key=lambda x: x.edge.fact.id):
            if e.edge.fact.id not in found:
                found[e.edge.fact.id] = NeighborhoodEdge(e.edge, e.subject, e.object, hop)
            for end in (e.subject.id, e.object.id):
                if end not in seen_nodes:
                    seen_nodes[end] = hop
                    queue.append(end)
    ordered = sorted(found.values(), key=lambda e: (e.hop, -e.edge.fact.confidence, e.edge.fact.id))
    return ordered[:limit]


def shared_centres(edges: Sequence[NeighborhoodEdge], entity: str) -> list[Entity]:
    """The shared entities ``entity`` names: by id (``en_…``), else by name."""
    ends = {n.id: n for e in edges for n in (e.subject, e.object)}
    if entity.startswith("en_"):
        return [ends[entity]] if entity in ends else []
    key = entity_key(entity)
    return [n for n in ends.values() if n.key == key]

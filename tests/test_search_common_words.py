"""A large space's too-common query words are counted once, then left out of
its full-text lookups for a while, without changing the ranking (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from kenning.api.runtime import load_embedder
from kenning.config import load_settings
from kenning.domain.ids import new_id
from kenning.domain.models import Scope
from kenning.search import service as search_service
from kenning.search.service import SearchService
from kenning.store.port import EntityRow, FactRow, GraphWrite
from tests.worker_scaffold import embedded_store

T0 = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
#: One more fact than the size from which a space's counts are cached.
FACTS = search_service.STATS_CACHE_MIN_ITEMS + 1


def _unit(rng: np.random.Generator) -> list[float]:
    v = rng.standard_normal(384)
    return [float(x) for x in v / np.linalg.norm(v)]


async def _big_space(store: Any, scope: Scope) -> None:
    """FACTS facts that all say "tea", and one that also says "biscuits"."""
    rng = np.random.default_rng(7)
    people = [
        EntityRow(id=new_id("en"), key=f"p{i}", name=f"P{i}", type="Person") for i in range(50)
    ]
    tea = EntityRow(id=new_id("en"), key="tea", name="tea", type="Thing")
    facts = [
        FactRow(
            id=new_id("fa"),
            subject_key=f"p{i % 50}",
            predicate=f"drinks_{i}",
            object_key="tea",
            text=f"P{i % 50} drinks tea {i}" + (" with biscuits" if i == 123 else ""),
            confidence=0.8,
            valid_from=None,
            valid_to=None,
            episode_ids=[],
        )
        for i in range(FACTS)
    ]
    write = GraphWrite(
        entities=[*people, tea],
        facts=facts,
        fact_vectors={f.id: _unit(rng) for f in facts},
    )
    await store.write_graph(scope, write, [], T0)


async def test_common_words_are_counted_once_then_left_out(tmp_path: Path) -> None:
    scope = Scope(tenant="common-words", space="big")
    async with embedded_store(tmp_path, "g") as store:
        await _big_space(store, scope)
        asked: list[list[str]] = []
        lookup = store.fulltext_terms

        async def spy(scope_: Scope, kind: str, terms: list[str], *a: Any, **kw: Any) -> Any:
            if kind == "fact":
                asked.append(list(terms))
            return await lookup(scope_, kind, terms, *a, **kw)

        store.fulltext_terms = spy  # type: ignore[method-assign]
        search = SearchService(store, load_embedder(load_settings()))

        first = await search.search(scope, "who drinks tea with biscuits", 5)
        second = await search.search(scope, "who drinks tea with biscuits", 5)
        dated = await search.search(scope, "who drinks tea with biscuits", 5, as_of=T0)

    # "tea" is in every fact: counted on the first search, not asked again.
    assert {"tea", "biscuits"} <= set(asked[0])
    assert "tea" not in asked[1]
    assert "biscuits" in asked[1]
    # A search with its own valid time counts again (its counts may differ).
    assert "tea" in asked[2]
    assert [h.id for h in second] == [h.id for h in first]
    assert first[0].text.endswith("with biscuits")
    assert [h.id for h in dated][:1] == [first[0].id]

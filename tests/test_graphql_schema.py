"""The committed SDL matches the code, and the shortest-path search is exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from kenning.api.graphql.export import sdl
from kenning.graph.paths import shortest_paths
from kenning.store.graph_port import Step

SCHEMA = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA.read_text("utf-8") == sdl(), (
        "schema.graphql is out of date: run "
        "`PYTHONPATH=src .venv/bin/python -m kenning.api.graphql.export > schema.graphql`"
    )


def test_the_schema_serves_the_temporal_model() -> None:
    text = sdl()
    assert "timeline(" in text
    assert "invalidateFact(" in text
    assert "enum EventKind" in text


# a - b - c - d, a - e - d, a - f (f also -> d through g: longer), plus a - x - y
EDGES = [
    ("a", "ab", "b"),
    ("b", "bc", "c"),
    ("c", "cd", "d"),
    ("a", "ae", "e"),
    ("e", "ed", "d"),
    ("a", "af", "f"),
    ("f", "fg", "g"),
    ("g", "gh", "h"),
    ("h", "hd", "d"),
    ("a", "ax", "x"),
]


class Graph:
    """An undirected graph answering breadth-first steps, counting them."""

    def __init__(self, edges: list[tuple[str, str, str]]) -> None:
        self.edges = edges
        self.calls = 0

    async def expand(self, ids: list[str]) -> list[Step]:
        self.calls += 1
        steps = [Step(a, f, b) for a, f, b in self.edges if a in ids]
        return steps + [Step(b, f, a) for a, f, b in self.edges if b in ids]


@pytest.mark.parametrize(
    ("source", "target", "depth", "expected"),
    [
        ("a", "d", 4, [["a", "e", "d"]]),
        ("d", "a", 4, [["d", "e", "a"]]),
        ("a", "c", 4, [["a", "b", "c"], ["a", "e", "d", "c"]][:1]),
        ("a", "d", 1, []),
        ("a", "zz", 4, []),
        ("a", "a", 4, [["a"]]),
    ],
)
async def test_shortest_paths_are_all_and_only_the_shortest(
    source: str, target: str, depth: int, expected: list[list[str]]
) -> None:
    graph = Graph(EDGES)
    found = await shortest_paths(graph.expand, source, target, depth, 10)
    assert [p.node_ids for p in found] == expected
    assert graph.calls <= depth


async def test_every_shortest_path_is_found_up_to_the_limit() -> None:
    diamond = [("s", f"s{i}", f"m{i}") for i in range(4)] + [
        (f"m{i}", f"t{i}", "t") for i in range(4)
    ]
    graph = Graph(diamond)
    found = await shortest_paths(graph.expand, "s", "t", 4, 10)
    assert sorted(p.fact_ids for p in found) == [[f"s{i}", f"t{i}"] for i in range(4)]
    assert len(await shortest_paths(Graph(diamond).expand, "s", "t", 4, 3)) == 3

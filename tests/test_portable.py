"""Export and import (kenning-jsonl) over HTTP and the CLI: a space with
superseded, corrected and invalidated facts goes out and comes back the same.

The source is the session's app on each engine. The round trip into another
server runs once per target engine (the ``target`` fixture): a fresh embedded
FalkorDB in its own data dir, and the session's Neo4j (the way a user
outgrows one machine). The target serves its own tenant, so with the source
on the same Neo4j the ids are kept in another tenant of one database (ids
are unique per tenant).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from typer.testing import CliRunner

from kenning.cli import app as cli
from tests.conftest import serve, settings_on, wait_for_job

#: Said by Alice; lives_in is functional, so each move supersedes the last.
STORY = [
    ("2019-03-01T10:00:00Z", "I live in Boston."),
    ("2020-06-01T10:00:00Z", "I moved to Denver last month."),
    ("2021-09-01T10:00:00Z", "I work at Globex."),
    ("2022-02-01T10:00:00Z", "I moved to Austin two weeks ago."),
]
_ID = re.compile(r"\b([a-z]+)_[0-9a-f]{28}\b")


def fresh_space(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def build_space(api: httpx.Client, space: str) -> None:
    """Episodes with supersession, a structured fact, a PATCH and an
    invalidation, so archived fact versions exist."""
    episodes = [{"speaker": "Alice", "content": c, "occurred_at": t} for t, c in STORY]
    accepted = api.post("/v1/episodes", json={"space": space, "episodes": episodes})
    assert accepted.status_code == 202, accepted.text
    assert wait_for_job(api, accepted.json()["job_id"])["done"] == len(STORY)
    triple = {"subject": "Alice", "predicate": "likes", "object": "jazz", "confidence": 0.6}
    stored = api.post("/v1/facts", json={"space": space, "facts": [triple]})
    assert stored.status_code == 201, stored.text
    liked = stored.json()["facts"][0]["id"]
    patched = api.patch(f"/v1/facts/{liked}", json={"space": space, "confidence": 0.9})
    assert patched.status_code == 200, patched.text
    live = api.get("/v1/facts", params={"space": space, "limit": 500}).json()["items"]
    works = next(f for f in live if f["predicate"] == "works_at")
    ended = api.post(
        f"/v1/facts/{works['id']}/invalidate",
        json={"space": space, "valid_to": "2023-01-01T00:00:00Z", "reason": "left"},
    )
    assert ended.status_code == 200, ended.text


def export(url: str, space: str, path: Path, key: str = "") -> list[dict[str, Any]]:
    """``kenning export`` into ``path`` (as the tenant of ``key``); the parsed lines."""
    result = CliRunner().invoke(
        cli,
        ["export", "--space", space, "--out", str(path)],
        env={"KENNING_URL": url, "KENNING_API_KEY": key},
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def import_(url: str, path: Path, space: str | None, *extra: str, key: str = "") -> str:
    """``kenning import kenning-jsonl`` (into the file's own space when None,
    as the tenant of ``key``)."""
    target = ["--space", space] if space else []
    result = CliRunner().invoke(
        cli,
        ["import", "kenning-jsonl", str(path), *target, *extra],
        env={"KENNING_URL": url, "KENNING_API_KEY": key},
    )
    assert result.exit_code == 0, result.output
    return result.output


def items(lines: list[dict[str, Any]]) -> list[str]:
    """The item lines as canonical JSON text (header and end dropped), vectors
    at float32 precision: FalkorDB keeps float32, Neo4j the float64 it was
    sent, so a round trip between engines is exact only to float32."""
    assert lines[0]["type"] == "header"
    assert lines[-1]["type"] == "end"
    out = []
    for line in lines[1:-1]:
        if line.get("embedding") is not None:
            line = {**line, "embedding": np.asarray(line["embedding"], np.float32).tolist()}
        out.append(json.dumps(line, sort_keys=True))
    return out


def ids_in(text: str) -> set[str]:
    return {m.group(0) for m in _ID.finditer(text)}


def without_ids(lines: list[str]) -> list[str]:
    """Every Kenning id replaced by its rank among the ids of its prefix, so two
    dumps whose ids were remapped in order compare equal."""
    ids = sorted({m.group(0) for line in lines for m in _ID.finditer(line)})
    rank: dict[str, str] = {}
    per_prefix: dict[str, int] = {}
    for old in ids:
        prefix = old.split("_", 1)[0]
        per_prefix[prefix] = per_prefix.get(prefix, 0) + 1
        rank[old] = f"{prefix}#{per_prefix[prefix]}"
    return sorted(_ID.sub(lambda m: rank[m.group(0)], line) for line in lines)


@pytest.fixture(scope="module")
def source(app_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A built space on the session's app and its export file."""
    space = fresh_space("export")
    with httpx.Client(base_url=app_url, timeout=60) as api:
        build_space(api, space)
    path = tmp_path_factory.mktemp("export") / f"{space}.jsonl"
    export(app_url, space, path)
    return space, path


def test_export_holds_every_version(source: tuple[str, Path]) -> None:
    space, path = source
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert lines[0] == {**lines[0], "type": "header", "format": "kenning-jsonl", "space": space}
    kinds = [line["type"] for line in lines[1:-1]]
    assert kinds == sorted(kinds, key=["episode", "entity", "fact", "mention"].index)
    end = lines[-1]
    assert end["counts"] == {k: kinds.count(k) for k in ("episode", "entity", "fact", "mention")}
    facts = [line for line in lines if line["type"] == "fact"]
    archived = [f for f in facts if f["properties"].get("version_of")]
    superseded = [f for f in facts if f["properties"].get("superseded_by")]
    assert archived, facts
    assert superseded, facts
    assert all(len(f["embedding"]) == 384 for f in facts)
    assert any(f["properties"].get("invalidation_reason") == "left" for f in facts)


def test_round_trip_same_server_new_ids(app_url: str, source: tuple[str, Path]) -> None:
    space, path = source
    target = fresh_space("copy")
    import_(app_url, path, target, "--new-ids")
    copied = export(app_url, target, path.with_name(f"{target}.jsonl"))
    original = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert without_ids(items(copied)) == without_ids(items(original))
    assert not ids_in(path.read_text()) & ids_in(json.dumps(copied))
    with httpx.Client(base_url=app_url, timeout=60) as api:
        for when in ({}, {"as_of": "2020-01-01T00:00:00Z"}, {"as_of": "2022-06-01T00:00:00Z"}):
            a = api.get("/v1/facts", params={"space": space, "limit": 500, **when}).json()
            b = api.get("/v1/facts", params={"space": target, "limit": 500, **when}).json()
            assert [(f["predicate"], f["object"]) for f in a["items"]] == [
                (f["predicate"], f["object"]) for f in b["items"]
            ]


@dataclass(frozen=True)
class Target:
    """A second server and the API key of its own tenant."""

    url: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture(params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """A second server on the parameter's engine, serving a tenant of its own:
    a new embedded FalkorDB, or the session's Neo4j (the way a user outgrows
    one machine), which may hold the source app's tenant too."""
    tenant, key = fresh_space("copy"), f"sk-{uuid.uuid4().hex}"
    settings = settings_on(request.param, tmp_path / "target", request).model_copy(
        update={"api_keys": {key: tenant}, "worker_tenants": (tenant,)}
    )
    with serve(settings) as url:
        yield Target(url, key)


def test_round_trip_to_another_server_keeps_everything(
    app_url: str, source: tuple[str, Path], target: Target
) -> None:
    space, path = source
    # Ids kept (the file's own space): on the same Neo4j, in another tenant.
    assert f"{space}: imported" in import_(target.url, path, None, key=target.key)
    try:
        copied = export(target.url, space, path.with_name(f"{space}.copy.jsonl"), target.key)
        original = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        assert items(copied) == items(original)  # ids kept: exactly the same graph
        with httpx.Client(timeout=60) as http:
            for when in ({}, {"as_of": "2020-01-01T00:00:00Z"}):
                params = {"space": space, "limit": 500, **when}
                a = http.get(f"{app_url}/v1/facts", params=params).json()
                b = http.get(f"{target.url}/v1/facts", params=params, headers=target.headers)
                assert a == b.json()
            query = {"space": space, "query": "Where does Alice live?", "top_k": 5}
            hits_a = http.post(f"{app_url}/v1/search", json=query).json()["results"]
            hits_b = http.post(f"{target.url}/v1/search", json=query, headers=target.headers)
            assert [h["id"] for h in hits_a] == [h["id"] for h in hits_b.json()["results"]]
    finally:
        httpx.delete(f"{target.url}/v1/spaces/{space}", headers=target.headers, timeout=60)


def test_import_refuses_a_non_empty_space_and_used_ids(
    app_url: str, source: tuple[str, Path]
) -> None:
    space, path = source
    body = path.read_bytes()
    with httpx.Client(base_url=app_url, timeout=60) as api:
        into_source = api.post(f"/v1/spaces/{space}/import", content=body)
        assert into_source.status_code == 409, into_source.text
        assert "not empty" in into_source.json()["error"]["message"]
        kept = api.post(f"/v1/spaces/{fresh_space('kept')}/import", content=body)
        assert kept.status_code == 409, kept.text
        assert "ids=new" in kept.json()["error"]["message"]


def test_bad_or_truncated_file_names_the_line_and_leaves_nothing(
    app_url: str, source: tuple[str, Path]
) -> None:
    _, path = source
    lines = path.read_text("utf-8").splitlines()
    first_fact = next(i for i, line in enumerate(lines) if '"type":"fact"' in line)
    broken = json.loads(lines[first_fact])
    broken["properties"]["valid_from"] = "yesterday"
    cases = {
        "bad instant": (
            [*lines[:first_fact], json.dumps(broken), *lines[first_fact + 1 :]],
            f"line {first_fact + 1}: properties.valid_from",
        ),
        "truncated": (lines[:-1], "end"),
        "entity twice": (
            [*lines[: first_fact - 1], lines[first_fact - 1], *lines[first_fact - 1 :]],
            f"line {first_fact + 1}",
        ),
        "not json": ([*lines[:2], "{oops", *lines[2:]], "line 3"),
    }
    with httpx.Client(base_url=app_url, timeout=60) as api:
        for name, (text, field) in cases.items():
            space = fresh_space("bad")
            answer = api.post(
                f"/v1/spaces/{space}/import",
                params={"ids": "new"},
                content="\n".join(text).encode(),
            )
            assert answer.status_code == 422, (name, answer.text)
            assert answer.json()["error"]["field"] == field, name
            stats = api.get(f"/v1/spaces/{space}/export").text.splitlines()
            assert json.loads(stats[-1])["counts"] == dict.fromkeys(
                ("episode", "entity", "fact", "mention"), 0
            ), name

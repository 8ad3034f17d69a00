"""GET /v1/essential on a LoCoMo conv-26 import and on a small space, both engines."""

from __future__ import annotations

from typing import Any

import httpx

from kenning.embed.tokens import WordPieceCounter

SPACE = "conv-26"


def _essential(api: httpx.Client, space: str, **params: Any) -> dict[str, Any]:
    answer: dict[str, Any] = (
        api.get("/v1/essential", params={"space": space, **params}).raise_for_status().json()
    )
    return answer


def _of(answer: dict[str, Any], subject: str) -> set[tuple[str, str]]:
    return {
        (f["predicate"], f["object"].lower()) for f in answer["facts"] if f["subject"] == subject
    }


def test_conv26_essential_facts(api: httpx.Client, conv26_import: str) -> None:
    answer = _essential(api, SPACE, max_tokens=400)
    print(answer["context"])
    print(answer["tokens"])
    big = _essential(api, SPACE, max_tokens=3000)
    print(big["context"])
    assert answer["space"] == SPACE
    assert 0 < answer["tokens"] <= 400
    assert answer["tokens"] == WordPieceCounter().count(answer["context"])
    assert answer["context"].startswith("Essential facts:\n- ")
    assert _of(answer, "Caroline"), answer
    assert _of(answer, "Melanie"), answer

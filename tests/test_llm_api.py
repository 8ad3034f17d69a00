"""End to end: the real app with ``KENNING_EXTRACTOR=openai`` reaching an
OpenAI-compatible stand-in server on 127.0.0.1 through ``KENNING_LLM_BASE_URL``
(a tiny FastAPI app answering recorded completions), through ``POST
/v1/episodes`` to facts that record their extractor."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from kenning.config import load_settings
from tests.conftest import serve, wait_for_job
from tests.llm_recordings import extraction, item, openai_completion, openai_json, triple

#: Recorded extractions by turn text; the stand-in fills in the episode ids
#: Kenning sent, since they are made at ingest.
RECORDED = {
    "I moved to Lisbon last year and I work at Acme Robotics.": (
        [
            triple("Dana", "moved_to", "Lisbon", time="last year"),
            triple("Dana", "works_at", "Acme Robotics"),
        ],
        [
            {"name": "Lisbon", "type": "Place"},
            {"name": "Acme Robotics", "type": "Organization"},
        ],
    ),
    "She adopted a beagle called Biscuit in March.": (
        [triple("Dana", "has_pet", "Biscuit", time="in March")],
        [{"name": "Biscuit", "type": "Person"}],
    ),
}
#: A turn the stand-in refuses: its episode falls back to spaCy.
REFUSED = "My therapist says I should take the new medication."
MOVED, ADOPTED = RECORDED
_TURN = re.compile(r"^\[(?P<id>[^\]]+)\] \S+ (?P<who>[^:]+): (?P<text>.*)$")


def stand_in() -> tuple[FastAPI, list[dict[str, Any]]]:
    """An OpenAI-compatible ``/v1/chat/completions`` answering from RECORDED."""
    app = FastAPI()
    seen: list[dict[str, Any]] = []

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> JSONResponse:
        body = await request.json()
        seen.append(body)
        turns = body["messages"][1]["content"].split("Turns to extract:\n")[1].splitlines()
        items, refused = [], False
        for line in turns:
            match = _TURN.match(line)
            assert match, line
            if match["text"] == REFUSED:
                refused = True
                continue
            triples, entities = RECORDED.get(match["text"], ([], []))
            items.append(item(match["id"], triples, entities))
        if refused and not items:
            return JSONResponse(openai_completion(None, refusal="I can't help with that."))
        return JSONResponse(openai_json(extraction(items)))

    return app, seen


@pytest.fixture(scope="module")
def llm_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    stub, seen = stand_in()
    with serve(load_settings(), app=stub) as stub_url:
        settings = load_settings(
            data_dir=tmp_path_factory.mktemp("llm") / "falkordb",
            extractor="openai",
            llm_base_url=f"{stub_url}/v1",
            llm_model="stand-in-model",
            llm_turns_per_call=2,
            llm_context_turns=4,
            llm_max_retries=0,
        )
        with serve(settings) as url:
            yield url, seen


def post(api: httpx.Client, space: str, turns: list[tuple[str, str, str]]) -> dict[str, Any]:
    episodes = [{"content": c, "speaker": s, "occurred_at": at} for s, c, at in turns]
    answer = api.post("/v1/episodes", json={"space": space, "episodes": episodes})
    assert answer.status_code == 202, answer.text
    return wait_for_job(api, answer.json()["job_id"])


def test_episodes_become_facts_that_record_the_llm_extractor(
    llm_app: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    url, seen = llm_app
    label = "openai:stand-in-model/triples_v1"
    with httpx.Client(base_url=url, timeout=60) as api:
        post(api, "dana", [("Dana", "Hi! Long time no see.", "2024-05-01T10:00:00Z")])
        job = post(
            api,
            "dana",
            [
                ("Dana", MOVED, "2024-05-01T10:05:00Z"),
                ("Dana", ADOPTED, "2024-05-01T10:06:00Z"),
                ("Dana", REFUSED, "2024-05-01T10:07:00Z"),
            ],
        )
        assert job["done"] == 3
        assert job["extraction_fallbacks"] == 1
        assert job["llm_input_tokens"] > 0
        assert job["llm_output_tokens"] > 0
        assert job["extraction_seconds"] > 0

        facts = api.get("/v1/facts", params={"space": "dana", "limit": 100}).json()["items"]
        by_triple = {(f["subject"], f["predicate"], f["object"]): f for f in facts}
        works = by_triple[("Dana", "works_at", "Acme Robotics")]
        assert works["extractor"] == label
        # Onset "moved_to" gives the lives_in state, from Kenning's grounding of "last year".
        lives = by_triple[("Dana", "lives_in", "Lisbon")]
        assert lives["valid_from"].startswith("2023-01-01")
        assert by_triple[("Dana", "has_pet", "Biscuit")]["valid_from"].startswith("2024-03-01")
        spacy_facts = [f for f in facts if f["extractor"] == "spacy:en_core_web_sm"]
        assert spacy_facts  # the refused turn, extracted by the fallback

        # The episode records its extractor and why it fell back.
        hits = api.post(
            "/v1/search", json={"space": "dana", "query": "therapist medication", "top_k": 20}
        ).json()["results"]
        episodes = {h["text"]: h["episode"] for h in hits if h["kind"] == "episode"}
        assert episodes[REFUSED]["extraction_fallback"] == "refused: I can't help with that."
        assert episodes[REFUSED]["extractor"] == "spacy:en_core_web_sm"
        assert episodes[MOVED]["extractor"] == label
        assert episodes[MOVED]["extraction_fallback"] is None

        metrics = api.get("/metrics").text
        assert re.search(r'kenning_llm_tokens_total\{direction="input"\} [1-9]', metrics)
        assert 'kenning_llm_fallbacks_total{reason="refused"} 1.0' in metrics
        assert "kenning_llm_call_duration_seconds_count" in metrics

        # The extractor round-trips through export and import.
        exported = api.get("/v1/spaces/dana/export").text
        imported = api.post(
            "/v1/spaces/dana-copy/import", params={"ids": "new"}, content=exported.encode()
        )
        assert imported.status_code == 200, imported.text
        copies = api.get("/v1/facts", params={"space": "dana-copy", "limit": 100}).json()
        assert {f["extractor"] for f in copies["items"]} == {f["extractor"] for f in facts}

    # The requests: model, strict schema, and the earlier turn as context.
    bodies = [b for b in seen if "Acme Robotics" in b["messages"][1]["content"]]
    assert bodies
    body = bodies[0]
    assert body["model"] == "stand-in-model"
    assert body["response_format"]["json_schema"]["strict"] is True
    context = body["messages"][1]["content"].split("Turns to extract:")[0]
    assert "Dana: Hi! Long time no see." in context
    assert json.dumps(body["response_format"]["json_schema"]["schema"])

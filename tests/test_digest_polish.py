"""The digest's LLM polish: recorded answers in each SDK's wire format,
served through an httpx mock transport (no network), on a planted space in
the embedded FalkorDB. The polish rewrites only the title and markdown; the
JSON stays the deterministic digest; every failure keeps the template text
and says why.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from kenning.agents.digest import digest_analysis, run_digest
from kenning.agents.digest.polish import Polisher, build_polisher, load_digest_prompt
from kenning.agents.digest.polish_providers import AnthropicPolisher, OpenAIPolisher
from kenning.agents.models import AgentContext, InsightDraft
from kenning.agents.registry import analyses_for
from kenning.config import load_settings
from kenning.domain.models import Scope
from kenning.errors import ConfigError
from kenning.store.base import CypherStore
from kenning.store.falkordb.store import FalkorStore
from tests.llm_recordings import anthropic_message, anthropic_tool_use, openai_completion
from tests.test_agents_digest import OPTIONS, planted

HEADLINE = "Alice moved to Austin and now works at Globex; Carol plays the violin."
MARKDOWN = (
    "# Digest of planted: 8 Mar 2024 – 14 Mar 2024\n\n"
    "- Alice moved to Austin on 9 Mar 2024 and works at Globex.\n"
    "- Bob no longer works at Initech (12 Mar 2024).\n"
)
GOOD = {"headline": HEADLINE, "markdown": MARKDOWN}


class Recorder:
    """A mock transport's handler: answers from a list, records each request."""

    def __init__(self, *answers: httpx2.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append({"url": str(request.url), "body": json.loads(request.content)})
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(body: dict[str, Any]) -> httpx2.Response:
    return httpx2.Response(200, json=body)


def mock(handler: Any) -> httpx2.Client:
    return httpx2.Client(transport=httpx2.MockTransport(handler))


def openai_polisher(handler: Any, timeout_s: float = 30.0) -> OpenAIPolisher:
    client = openai.OpenAI(
        api_key="sk-test", base_url="http://llm.test/v1", max_retries=0, http_client=mock(handler)
    )
    return OpenAIPolisher(client, "gpt-4o-mini", timeout_s=timeout_s)


def anthropic_polisher(handler: Any) -> AnthropicPolisher:
    client = anthropic.Anthropic(
        api_key="sk-ant-test", base_url="http://llm.test", max_retries=0, http_client=mock(handler)
    )
    return AnthropicPolisher(client, "claude-haiku-4-5")


@pytest.fixture(scope="module")
async def store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CypherStore]:
    store = FalkorStore("embedded", graph="polish", data_dir=tmp_path_factory.mktemp("polish"))
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(scope="module")
async def scope(store: CypherStore) -> Scope:
    return await planted(store)


async def digest(store: CypherStore, scope: Scope, polisher: Polisher | None) -> InsightDraft:
    ctx = AgentContext(
        store=store,
        scope=scope,
        run_id="run_test",
        now=datetime(2026, 1, 1, tzinfo=UTC),
        options=OPTIONS,
    )
    analysis = run_digest if polisher is None else digest_analysis(polisher)
    outcome = await analysis(ctx)
    [draft] = outcome.insights
    assert outcome.stats["text"] == (draft.data or {})["text"]["by"]
    return draft


def without_text(draft: InsightDraft) -> dict[str, Any]:
    return {k: v for k, v in (draft.data or {}).items() if k != "text"}


# -- a polished digest -----------------------------------------------------------


async def test_openai_polish_rewrites_only_the_text_and_records_model_and_prompt(
    store: CypherStore, scope: Scope
) -> None:
    recorder = Recorder(ok(openai_completion(json.dumps(GOOD))))
    template = await digest(store, scope, None)

    polished = await digest(store, scope, openai_polisher(recorder))

    assert (polished.title, polished.body) == (HEADLINE, MARKDOWN)
    assert polished.data is not None
    assert template.data is not None
    assert polished.data["text"] == {
        "by": "llm",
        "model": "gpt-4o-mini",
        "prompt": "digest_v1",
        "fallback": None,
    }
    assert template.data["text"]["by"] == "template"
    # The facts are the template's: same JSON, evidence and fingerprint.
    assert without_text(polished) == without_text(template)
    assert (polished.fact_ids, polished.fingerprint) == (template.fact_ids, template.fingerprint)
    [request] = recorder.requests
    body = request["body"]
    assert request["url"] == "http://llm.test/v1/chat/completions"
    assert body["model"] == "gpt-4o-mini"
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "record_digest_text"
    assert body["response_format"]["json_schema"]["strict"] is True
    system, user = body["messages"]
    assert system == {"role": "system", "content": load_digest_prompt("digest_v1")}
    assert "Do not add facts" in system["content"]
    sent = json.loads(user["content"].removeprefix("Digest JSON:\n"))
    assert sent == without_text(template)  # the deterministic digest, nothing else


async def test_anthropic_polish_through_a_forced_tool(store: CypherStore, scope: Scope) -> None:
    recorder = Recorder(ok(anthropic_tool_use(GOOD, name="record_digest_text")))

    polished = await digest(store, scope, anthropic_polisher(recorder))

    assert (polished.title, polished.body) == (HEADLINE, MARKDOWN)
    assert polished.data is not None
    assert polished.data["text"]["by"] == "llm"
    assert polished.data["text"]["model"] == "claude-haiku-4-5"
    [request] = recorder.requests
    body = request["body"]
    assert request["url"] == "http://llm.test/v1/messages"
    assert body["model"] == "claude-haiku-4-5"
    assert body["tool_choice"] == {"type": "tool", "name": "record_digest_text"}
    assert body["tools"][0]["input_schema"]["required"] == ["headline", "markdown"]
    assert body["system"] == load_digest_prompt("digest_v1")
    assert "Globex" in body["messages"][0]["content"]


# -- fallbacks to the template ---------------------------------------------------

UNFAITHFUL = {"headline": "Alice had 42 new facts.", "markdown": MARKDOWN}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (ok(openai_completion(None, refusal="I can't help with that.")), "refused"),
        (ok(openai_completion("{not json")), "malformed"),
        (ok(openai_completion(json.dumps({"headline": "only"}))), "malformed"),
        (ok(openai_completion(json.dumps(UNFAITHFUL))), "unfaithful"),  # 42 is no count of it
        (httpx2.Response(500, json={"error": {"message": "boom"}}), "api_error"),
        (httpx2.ReadTimeout("timed out"), "timeout"),
    ],
)
async def test_an_openai_failure_keeps_the_template_and_says_why(
    store: CypherStore, scope: Scope, answer: Any, reason: str
) -> None:
    template = await digest(store, scope, None)

    fallen = await digest(store, scope, openai_polisher(Recorder(answer)))

    assert (fallen.title, fallen.body) == (template.title, template.body)
    assert fallen.data is not None
    text = fallen.data["text"]
    assert (text["by"], text["model"], text["prompt"]) == ("template", "gpt-4o-mini", "digest_v1")
    assert text["fallback"].startswith(reason + ":")


async def test_an_anthropic_text_only_answer_keeps_the_template(
    store: CypherStore, scope: Scope
) -> None:
    recorder = Recorder(
        ok(anthropic_message([{"type": "text", "text": "Here you go!"}], stop_reason="end_turn"))
    )
    template = await digest(store, scope, None)

    fallen = await digest(store, scope, anthropic_polisher(recorder))

    assert fallen.body == template.body
    assert fallen.data is not None
    assert fallen.data["text"]["fallback"] == "refused: Here you go!"


@pytest.fixture
def stuck() -> Iterator[threading.Event]:
    """A handler that never answers until the test ends."""
    release = threading.Event()
    yield release
    release.set()


async def test_no_answer_within_the_polish_timeout_keeps_the_template(
    store: CypherStore, scope: Scope, stuck: threading.Event
) -> None:
    def hang(request: httpx2.Request) -> httpx2.Response:
        stuck.wait()
        return ok(openai_completion(json.dumps(GOOD)))

    template = await digest(store, scope, None)

    fallen = await digest(store, scope, openai_polisher(hang, timeout_s=0.2))

    assert fallen.body == template.body
    assert fallen.data is not None
    assert fallen.data["text"]["fallback"] == "timeout: no answer within 0.2 s"


# -- settings --------------------------------------------------------------------


@pytest.fixture
def no_sdk_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "KENNING_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_polish_follows_the_extractor_and_the_setting(no_sdk_keys: None) -> None:
    openai_on = load_settings(extractor="openai", llm_api_key="sk-test")
    anthropic_on = load_settings(extractor="anthropic", llm_api_key="sk-ant-test")

    assert build_polisher(load_settings(extractor="spacy")) is None
    off = load_settings(extractor="openai", llm_api_key="k", digest_polish="off")
    assert build_polisher(off) is None
    assert isinstance(build_polisher(openai_on), OpenAIPolisher)
    assert isinstance(build_polisher(anthropic_on), AnthropicPolisher)
    assert analyses_for(load_settings(extractor="spacy"))["digest"] is run_digest
    assert analyses_for(openai_on)["digest"] is not run_digest


def test_a_missing_digest_prompt_names_the_setting(no_sdk_keys: None) -> None:
    settings = load_settings(extractor="openai", llm_api_key="k", digest_prompt="digest_v999")

    with pytest.raises(ConfigError, match="KENNING_DIGEST_PROMPT"):
        build_polisher(settings)

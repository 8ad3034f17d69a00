"""LLM extractors against recorded answers in each SDK's wire format, served
through an httpx mock transport given to the SDK (no network); the fallback
is the real spaCy extractor."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from kenning.api.runtime import load_extractor
from kenning.config import load_settings
from kenning.domain.models import Episode, EpisodeStatus
from kenning.errors import ConfigError
from kenning.extract.anthropic_extractor import AnthropicExtractor
from kenning.extract.llm import LLMCall, LLMExtractor
from kenning.extract.llm_schema import EXTRACTION_SCHEMA, SCHEMA_NAME, load_prompt
from kenning.extract.openai_extractor import OpenAIExtractor
from kenning.extract.spacy_extractor import SpacyExtractor
from kenning.ingest.graph_write import from_extractions
from tests.llm_recordings import (
    anthropic_message,
    anthropic_tool_use,
    extraction,
    item,
    openai_completion,
    openai_json,
    triple,
)

SAID = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
Handler = Callable[[httpx2.Request], httpx2.Response]


def episode(id_: str, speaker: str, content: str, minutes: int = 0) -> Episode:
    at = SAID + timedelta(minutes=minutes)
    return Episode(
        id=id_,
        space="s",
        role="user",
        speaker=speaker,
        content=content,
        content_hash="-",
        occurred_at=at,
        recorded_at=at,
        status=EpisodeStatus.PENDING,
    )


EARLIER = episode("ep_0", "Melanie", "Did you go anywhere fun lately?", -1)
TURN_A = episode("ep_a", "Caroline", "I went to a LGBTQ support group yesterday.")
TURN_B = episode("ep_b", "Melanie", "I'm swamped with the kids and my job at the school.", 1)
GOOD_A = item(
    "ep_a",
    [triple("Caroline", "attended", "LGBTQ support group", time="yesterday", private=True)],
    [{"name": "Caroline", "type": "Person"}, {"name": "LGBTQ support group", "type": "Group"}],
)
GOOD_B = item(
    "ep_b",
    [triple("Melanie", "has_child", "kids"), triple("Melanie", "Works for", "the school")],
    [{"name": "Melanie", "type": "Person"}, {"name": "school", "type": "Organization"}],
)


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


@pytest.fixture(scope="module")
def spacy() -> SpacyExtractor:
    return SpacyExtractor()


@pytest.fixture
def calls() -> list[LLMCall]:
    return []


def openai_extractor(
    recorder: Recorder, spacy: SpacyExtractor, calls: list[LLMCall], retries: int = 2, **kw: Any
) -> OpenAIExtractor:
    client = openai.OpenAI(
        api_key="sk-test",
        base_url="http://llm.test/v1",
        max_retries=retries,
        timeout=5,
        http_client=httpx2.Client(transport=httpx2.MockTransport(recorder)),
    )
    extractor = OpenAIExtractor(client, spacy, "gpt-4o-mini", **kw)
    extractor.set_observer(calls.append)
    return extractor


def anthropic_extractor(
    recorder: Recorder, spacy: SpacyExtractor, calls: list[LLMCall], retries: int = 2, **kw: Any
) -> AnthropicExtractor:
    client = anthropic.Anthropic(
        api_key="sk-ant-test",
        base_url="http://llm.test",
        max_retries=retries,
        timeout=5,
        http_client=httpx2.Client(transport=httpx2.MockTransport(recorder)),
    )
    extractor = AnthropicExtractor(client, spacy, "claude-haiku-4-5", **kw)
    extractor.set_observer(calls.append)
    return extractor


# -- OpenAI ----------------------------------------------------------------------


def test_openai_good_extraction_and_the_request_it_sends(
    spacy: SpacyExtractor, calls: list[LLMCall]
) -> None:
    recorder = Recorder(ok(openai_json(extraction([GOOD_A]))))
    extractor = openai_extractor(recorder, spacy, calls)
    [found] = extractor.extract_in_context([TURN_A], [EARLIER])

    assert found.extractor == "openai:gpt-4o-mini/triples_v1"
    assert found.fallback is None
    [t] = found.triples
    assert (t.subject, t.predicate, t.object) == ("Caroline", "attended", "LGBTQ support group")
    assert t.subject_type == "Person"
    assert t.object_type == "Group"
    # "yesterday" is grounded by Kenning against occurred_at, not by the model.
    assert t.valid_from == datetime(2023, 5, 7, tzinfo=UTC)
    assert found.private == [0]
    assert (found.input_tokens, found.output_tokens) == (812, 96)

    [request] = recorder.requests
    assert request["url"] == "http://llm.test/v1/chat/completions"
    body = request["body"]
    assert body["model"] == "gpt-4o-mini"
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "schema": EXTRACTION_SCHEMA, "strict": True},
    }
    system, user = body["messages"]
    assert system == {"role": "system", "content": load_prompt("triples_v1")}
    assert "works_at" in system["content"]
    assert user["role"] == "user"
    context, turns = user["content"].split("Turns to extract:")
    assert "Earlier turns" in context
    assert "[ep_0]" in context
    assert "Melanie: Did you go" in context
    assert "[ep_a]" in turns
    assert "Caroline: I went to a LGBTQ support group" in turns
    assert calls == [LLMCall("openai", 812, 96, calls[0].seconds, 1, 0, None)]


def test_openai_several_turns_in_one_call_keyed_by_episode_id(
    spacy: SpacyExtractor, calls: list[LLMCall]
) -> None:
    # The answer lists the turns out of order: the episode id keys them.
    recorder = Recorder(ok(openai_json(extraction([GOOD_B, GOOD_A]))))
    extractor = openai_extractor(recorder, spacy, calls, turns_per_call=8)
    a, b = extractor.extract([TURN_A, TURN_B])

    assert len(recorder.requests) == 1
    turns = recorder.requests[0]["body"]["messages"][1]["content"]
    assert turns.index("[ep_a]") < turns.index("[ep_b]")
    assert a.episode_id == "ep_a"
    assert b.episode_id == "ep_b"
    assert [(t.predicate, t.object) for t in b.triples] == [
        ("has_child", "kids"),
        ("works_at", "the school"),  # "Works for" → the canonical predicate
    ]
    # Tokens are shared out over the turns of the call.
    assert (a.input_tokens, b.input_tokens) == (406, 406)
    assert not a.fallback
    assert not b.fallback


def test_turns_per_call_splits_batches_and_earlier_turns_become_context(
    spacy: SpacyExtractor, calls: list[LLMCall]
) -> None:
    recorder = Recorder(
        ok(openai_json(extraction([GOOD_A]))), ok(openai_json(extraction([GOOD_B])))
    )
    extractor = openai_extractor(recorder, spacy, calls, turns_per_call=1, context_turns=1)
    extractor.extract_in_context([TURN_B, TURN_A], [EARLIER])

    first, second = (r["body"]["messages"][1]["content"] for r in recorder.requests)
    assert "[ep_0]" in first
    assert "Turns to extract:\n[ep_a]" in first
    # The second call's context window (1 turn) is the batch's first turn.
    assert "[ep_a]" in second.split("Turns to extract:")[0]
    assert "[ep_0]" not in second
    assert len(calls) == 2


def test_openai_malformed_json_falls_back_to_spacy(
    spacy: SpacyExtractor, calls: list[LLMCall]
) -> None:
    recorder = Recorder(ok(openai_completion('{"episodes": [{"episode_id": "ep_a", ')))
    [found] = openai_extractor(recorder, spacy, calls).extract([TURN_A])

    assert found.extractor == "spacy:en_core_web_sm"
    assert found.fallback is not None
    assert found.fallback.startswith("malformed")
    assert found.triples  # spaCy's own reading of the turn
    assert calls[0].fallbacks == 1
    assert calls[0].reason == "malformed"


def test_openai_refusal_falls_back_to_spacy(spacy: SpacyExtractor, calls: list[LLMCall]) -> None:
    refusal = "I'm sorry, I can't help with that request."
    recorder = Recorder(ok(openai_completion(None, refusal=refusal)))
    [found] = openai_extractor(recorder, spacy, calls).extract([TURN_A])

    assert found.fallback == f"refused: {refusal}"
    assert found.extractor == "spacy:en_core_web_sm"
    assert calls[0].reason == "refused"


def test_openai_429_then_success_is_retried_by_the_sdk(
    spacy: SpacyExtractor, calls: list[LLMCall]
) -> None:
    limited = httpx2.Response(
        429,
        headers={"retry-after-ms": "10"},
        json={"error": {"message": "Rate limit reached", "type": "requests", "code": None}},
    )
    recorder = Recorder(limited, ok(openai_json(extraction([GOOD_A]))))
    [found] = openai_extractor(recorder, spacy, calls).extract([TURN_A])

    assert len(recorder.requests) == 2
    assert found.fallback is None
    assert found.extractor == "openai:gpt-4o-mini/triples_v1"


def test_openai_timeout_after_retries_falls_back_to_spacy(
    spacy: SpacyExtractor, calls: list[LLMCall]
) -> None:
    recorder = Recorder(httpx2.ReadTimeout("timed out"))
    [found] = openai_extractor(recorder, spacy, calls, retries=1).extract([TURN_A])

    assert len(recorder.requests) == 2  # the first try and one retry
    assert found.fallback is not None
    assert found.fallback.startswith("timeout")
    assert found.extractor == "spacy:en_core_web_sm"
    assert calls[0].reason == "timeout"
    assert calls[0].input_tokens == 0


def test_a_turn_left_out_of_the_answer_falls_back_alone(
    spacy: SpacyExtractor, calls: list[LLMCall]
) -> None:
    recorder = Recorder(ok(openai_json(extraction([GOOD_A]))))
    a, b = openai_extractor(recorder, spacy, calls).extract([TURN_A, TURN_B])

    assert a.fallback is None
    assert b.fallback is not None
    assert b.fallback.startswith("missing")
    assert calls[0].fallbacks == 1


# -- Anthropic -------------------------------------------------------------------


def test_anthropic_tool_use_extraction_and_the_request_it_sends(
    spacy: SpacyExtractor, calls: list[LLMCall]
) -> None:
    recorder = Recorder(ok(anthropic_tool_use(extraction([GOOD_A, GOOD_B]))))
    extractor = anthropic_extractor(recorder, spacy, calls)
    a, b = extractor.extract_in_context([TURN_A, TURN_B], [EARLIER])

    assert a.extractor == "anthropic:claude-haiku-4-5/triples_v1"
    assert [t.object for t in a.triples] == ["LGBTQ support group"]
    assert [t.predicate for t in b.triples] == ["has_child", "works_at"]
    assert (a.input_tokens + b.input_tokens, a.output_tokens + b.output_tokens) == (930, 140)

    [request] = recorder.requests
    assert request["url"] == "http://llm.test/v1/messages"
    body = request["body"]
    assert body["model"] == "claude-haiku-4-5"
    assert body["system"] == load_prompt("triples_v1")
    assert body["tools"] == [
        {
            "name": SCHEMA_NAME,
            "description": "Record the entities and triples of each turn to extract.",
            "input_schema": EXTRACTION_SCHEMA,
        }
    ]
    assert body["tool_choice"] == {"type": "tool", "name": SCHEMA_NAME}
    [message] = body["messages"]
    assert message["role"] == "user"
    assert "[ep_0]" in message["content"]
    assert calls[0].provider == "anthropic"
    assert calls[0].fallbacks == 0


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (anthropic_message([], stop_reason="refusal"), "refused: stop_reason refusal"),
        (
            anthropic_message(
                [{"type": "text", "text": "I can't share details about that person."}],
                stop_reason="end_turn",
            ),
            "refused: I can't share details about that person.",
        ),
    ],
    ids=["stop-reason-refusal", "text-only"],
)
def test_anthropic_refusal_or_text_only_answer_falls_back(
    spacy: SpacyExtractor, calls: list[LLMCall], answer: dict[str, Any], reason: str
) -> None:
    [found] = anthropic_extractor(Recorder(ok(answer)), spacy, calls).extract([TURN_A])

    assert found.fallback == reason
    assert found.extractor == "spacy:en_core_web_sm"


def test_anthropic_malformed_tool_input_falls_back(
    spacy: SpacyExtractor, calls: list[LLMCall]
) -> None:
    bad = anthropic_tool_use({"episodes": [{"episode_id": "ep_a", "triples": "none"}]})
    [found] = anthropic_extractor(Recorder(ok(bad)), spacy, calls).extract([TURN_A])
    assert found.fallback is not None
    assert found.fallback.startswith("malformed")


def test_anthropic_529_overloaded_then_success(spacy: SpacyExtractor, calls: list[LLMCall]) -> None:
    overloaded = httpx2.Response(
        529,
        headers={"retry-after-ms": "10"},
        json={"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    )
    recorder = Recorder(overloaded, ok(anthropic_tool_use(extraction([GOOD_A]))))
    [found] = anthropic_extractor(recorder, spacy, calls).extract([TURN_A])
    assert len(recorder.requests) == 2
    assert found.fallback is None


def test_anthropic_timeout_falls_back(spacy: SpacyExtractor, calls: list[LLMCall]) -> None:
    recorder = Recorder(httpx2.ConnectTimeout("timed out"))
    [found] = anthropic_extractor(recorder, spacy, calls, retries=0).extract([TURN_A])
    assert found.fallback is not None
    assert found.fallback.startswith("timeout")


# -- facts, episodes and settings ------------------------------------------------


def test_graph_write_records_extractor_private_and_episode_cost(
    spacy: SpacyExtractor, calls: list[LLMCall]
) -> None:
    recorder = Recorder(ok(openai_json(extraction([GOOD_A]))))
    extractions = openai_extractor(recorder, spacy, calls).extract([TURN_A, TURN_B])
    write = from_extractions([TURN_A, TURN_B], extractions)

    attended = next(f for f in write.facts if f.predicate == "attended")
    assert attended.extractor == "openai:gpt-4o-mini/triples_v1"
    assert attended.private
    assert all(f.extractor == "spacy:en_core_web_sm" for f in write.facts if f is not attended)
    a, b = write.episode_extraction["ep_a"], write.episode_extraction["ep_b"]
    assert a.fallback is None
    assert a.input_tokens == 406
    assert b.extractor == "spacy:en_core_web_sm"
    assert b.fallback is not None


@pytest.fixture
def no_sdk_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    return


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_an_llm_extractor_without_a_key_fails_at_start_naming_the_setting(
    provider: str, no_sdk_keys: None
) -> None:
    with pytest.raises(ConfigError, match="KENNING_LLM_API_KEY") as info:
        load_extractor(load_settings(extractor=provider))
    assert ("OPENAI_API_KEY" if provider == "openai" else "ANTHROPIC_API_KEY") in str(info.value)


def test_sdk_env_key_and_local_base_url_are_enough(
    no_sdk_keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = load_extractor(
        load_settings(extractor="openai", llm_base_url="http://127.0.0.1:11434/v1")
    )
    assert isinstance(local, OpenAIExtractor)
    assert local.model == "gpt-4o-mini"
    assert str(local.client.base_url) == "http://127.0.0.1:11434/v1/"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
    claude = load_extractor(load_settings(extractor="anthropic", llm_model="claude-sonnet-4-5"))
    assert isinstance(claude, LLMExtractor)
    assert claude.label == "anthropic:claude-sonnet-4-5/triples_v1"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"extractor": "gpt"}, "KENNING_EXTRACTOR"),
        ({"llm_base_url": "localhost:11434"}, "KENNING_LLM_BASE_URL"),
        ({"llm_prompt": "../etc/passwd"}, "KENNING_LLM_PROMPT"),
    ],
)
def test_bad_llm_settings_name_the_setting(overrides: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        load_settings(**overrides)


def test_a_missing_prompt_version_fails_at_start(no_sdk_keys: None) -> None:
    settings = load_settings(extractor="openai", llm_api_key="sk", llm_prompt="triples_v99")
    with pytest.raises(ConfigError, match="KENNING_LLM_PROMPT"):
        load_extractor(settings)


def test_a_server_answering_html_falls_back(spacy: SpacyExtractor, calls: list[LLMCall]) -> None:
    # An OpenAI-compatible server behind a proxy error page: not a completion.
    page = httpx2.Response(200, text="<html>502 Bad Gateway</html>")
    [found] = openai_extractor(Recorder(page), spacy, calls).extract([TURN_A])
    assert found.extractor == "spacy:en_core_web_sm"
    assert found.fallback is not None
    assert found.fallback.startswith("api_error")
    assert calls[0].reason == "api_error"

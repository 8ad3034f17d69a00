"""The chat proxy (issue 16 §2): the real ``openai`` SDK pointed at Kenning's
``/v1``, Kenning forwarding to stand-in providers on 127.0.0.1 (recorded
answers in OpenAI's and Anthropic's wire formats, streams included): memory
goes in as a system block, turns land as episodes, streams pass through,
provider errors come back as the provider gave them, and memory that fails
or is late leaves the call to go ahead without it."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import openai
import pytest
from fastapi import FastAPI

from kenning.api.app import create_app
from kenning.client import Kenning
from kenning.config import load_settings
from kenning.errors import StoreUnavailable
from tests.conftest import eventually, serve
from tests.llm_chat_stand_in import ANSWER, chat_stand_in
from tests.llm_recordings import anthropic_error, openai_chat_chunks, openai_error, openai_sse

FACT = "Dana lives in Lisbon."
QUESTION = "Dana here: which pastry should I try near where I live?"
GUIDE = "You are a travel guide."
PROVIDERS = ["openai", "anthropic"]


class StandIn:
    """The stand-in provider: its URL, the bodies it received, its failure queue."""

    def __init__(self, url: str, app: FastAPI, seen: list[dict[str, Any]]) -> None:
        self.url, self.app, self.seen = url, app, seen

    def fail_next(self, status: int) -> None:
        self.app.state.failures.append(status)


class Proxied:
    """A Kenning app whose proxy forwards to the stand-in as ``provider``."""

    def __init__(self, url: str, app: FastAPI, provider: str) -> None:
        self.url, self.app, self.provider = url, app, provider

    def client(self, space: str | None, **headers: str) -> openai.OpenAI:
        """The ``openai`` SDK, unchanged but for its base URL (and headers)."""
        given = {"X-Kenning-Space": space} if space else {}
        return openai.OpenAI(
            api_key="kenning-dev",
            base_url=f"{self.url}/v1",
            max_retries=0,
            default_headers={**given, **headers},
        )


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    app, seen = chat_stand_in()
    with serve(load_settings(), app=app) as url:
        yield StandIn(url, app, seen)


@pytest.fixture(scope="module", params=PROVIDERS)
def proxied(
    request: pytest.FixtureRequest, stand_in: StandIn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Proxied]:
    provider: str = request.param
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp(f"proxy-{provider}"),
        proxy_provider=provider,
        proxy_base_url=f"{stand_in.url}/v1" if provider == "openai" else stand_in.url,
        proxy_api_key="sk-stand-in",
        # Generous: a busy machine must not turn memory tests into fail-open tests.
        proxy_memory_deadline_ms=30_000,
        retrieval_log="on",
    )
    app = create_app(settings)
    with serve(settings, app=app) as url:
        yield Proxied(url, app, provider)


@pytest.fixture
def space(proxied: Proxied) -> str:
    """A fresh space holding one fact about Dana."""
    name = f"proxy-{uuid.uuid4().hex[:10]}"
    with Kenning(proxied.url) as kenning:
        kenning.add_facts(
            name, [{"subject": "Dana", "predicate": "lives_in", "object": "Lisbon", "text": FACT}]
        )
    return name


def memory_block(body: dict[str, Any]) -> str:
    """The system text the stand-in received, whichever API."""
    if "system" in body:
        return str(body["system"])
    return "\n".join(m["content"] for m in body["messages"] if m["role"] == "system")


def episodes_in(url: str, space: str) -> list[dict[str, Any]]:
    """The space's episodes as exported (properties), oldest first."""
    out = io.BytesIO()
    with Kenning(url) as kenning:
        kenning.export_space(space, out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    found = [line["properties"] for line in lines if line["type"] == "episode"]
    return sorted(found, key=lambda e: (e["occurred_at"], e["role"] != "user"))


def turn_recorded(url: str, space: str, question: str) -> list[tuple[str, str]]:
    def both() -> list[tuple[str, str]]:
        turns = [(e["role"], e["content"]) for e in episodes_in(url, space)]
        return turns if ("user", question) in turns and len(turns) >= 2 else []

    return eventually(both) or [(e["role"], e["content"]) for e in episodes_in(url, space)]


def ask(llm: openai.OpenAI, **extra: Any) -> Any:
    return llm.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": GUIDE}, {"role": "user", "content": QUESTION}],
        **extra,
    )


# -- memory in, turn out ------------------------------------------------------


def test_plain_answer_gets_memory_and_the_turn_is_recorded(
    proxied: Proxied, stand_in: StandIn, space: str
) -> None:
    answer = ask(proxied.client(space))
    assert answer.choices[0].message.content == ANSWER
    assert answer.choices[0].finish_reason == "stop"
    sent = stand_in.seen[-1]
    assert "kenning" not in sent
    if proxied.provider == "openai":
        roles = [m["role"] for m in sent["messages"]]
        assert roles == ["system", "system", "user"]
        assert sent["messages"][0]["content"] == GUIDE
        assert FACT in sent["messages"][1]["content"]
    else:
        assert sent["system"].startswith(GUIDE)
        assert FACT in sent["system"]
        assert sent["messages"] == [
            {"role": "user", "content": [{"type": "text", "text": QUESTION}]}
        ]
        assert sent["max_tokens"] == 4096
    assert turn_recorded(proxied.url, space, QUESTION) == [
        ("user", QUESTION),
        ("assistant", ANSWER),
    ]


def test_stream_passes_through_and_the_turn_is_recorded_at_its_end(
    proxied: Proxied, stand_in: StandIn, space: str
) -> None:
    stream = ask(proxied.client(space), stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == ANSWER
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None
    assert not chunks[-1].choices
    assert FACT in memory_block(stand_in.seen[-1])
    assert turn_recorded(proxied.url, space, QUESTION) == [
        ("user", QUESTION),
        ("assistant", ANSWER),
    ]


def test_an_openai_stream_is_passed_on_byte_for_byte(
    proxied: Proxied, stand_in: StandIn, space: str
) -> None:
    if proxied.provider != "openai":
        pytest.skip("a translated stream is new bytes by design")
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": QUESTION}]}
    body["stream"] = True
    with httpx.stream(
        "POST",
        f"{proxied.url}/v1/chat/completions",
        json=body,
        headers={"X-Kenning-Space": space},
        timeout=60,
    ) as answer:
        raw = b"".join(answer.iter_raw())
        assert answer.headers["content-type"].startswith("text/event-stream")
    assert raw.decode() == "".join(openai_sse(openai_chat_chunks(ANSWER)))


def test_body_options_choose_the_space_and_turn_memory_and_recording_off(
    proxied: Proxied, stand_in: StandIn, space: str
) -> None:
    quiet = "Dana again: nothing to remember here."
    llm = proxied.client(None)
    messages = [{"role": "user", "content": quiet}]
    off = {"kenning": {"space": space, "inject": False, "record": False}}
    llm.chat.completions.create(model="gpt-4o-mini", messages=messages, extra_body=off)
    assert FACT not in memory_block(stand_in.seen[-1])
    assert "kenning" not in stand_in.seen[-1]
    # Headers turn them off too.
    no_inject = proxied.client(space, **{"X-Kenning-Inject": "false"})
    ask(no_inject)
    assert FACT not in memory_block(stand_in.seen[-1])
    # The recorded turn is the second call's only.
    recorded = turn_recorded(proxied.url, space, QUESTION)
    assert ("user", quiet) not in recorded
    assert recorded == [("user", QUESTION), ("assistant", ANSWER)]


def test_a_call_without_a_space_is_refused(proxied: Proxied) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        ask(proxied.client(None))
    assert caught.value.body["field"] == "kenning.space"  # type: ignore[index]


def test_a_message_without_a_known_role_is_refused_before_forwarding(
    proxied: Proxied, stand_in: StandIn, space: str
) -> None:
    before = len(stand_in.seen)
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}, {"x": 1}]}
    answer = httpx.post(
        f"{proxied.url}/v1/chat/completions",
        json=body,
        headers={"X-Kenning-Space": space},
        timeout=30,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "messages.1.role"
    assert len(stand_in.seen) == before


def test_the_recall_is_logged_as_a_proxy_retrieval(proxied: Proxied, space: str) -> None:
    ask(proxied.client(space))

    def logs() -> list[dict[str, Any]]:
        page = httpx.get(f"{proxied.url}/v1/retrievals", params={"space": space}, timeout=30)
        return list(page.raise_for_status().json()["items"])

    found = eventually(logs)
    assert [(row["kind"], row["query"]) for row in found] == [("proxy", QUESTION)]
    assert found[0]["results"][0]["key"].startswith("fact:")


# -- provider errors ----------------------------------------------------------


@pytest.mark.parametrize("status", [429, 400])
def test_provider_errors_come_back_as_the_provider_gave_them(
    proxied: Proxied, stand_in: StandIn, space: str, status: int
) -> None:
    stand_in.fail_next(status)
    with pytest.raises(openai.APIStatusError) as caught:
        ask(proxied.client(space))
    error = caught.value
    assert error.status_code == status
    expected = openai_error(status) if proxied.provider == "openai" else anthropic_error(status)
    assert error.response.json() == expected
    if status == 429:
        assert error.response.headers["retry-after"] == "20"


def test_provider_error_on_a_stream_comes_back_before_any_event(
    proxied: Proxied, stand_in: StandIn, space: str
) -> None:
    stand_in.fail_next(429)
    with pytest.raises(openai.RateLimitError) as caught:
        ask(proxied.client(space), stream=True)
    expected = openai_error(429) if proxied.provider == "openai" else anthropic_error(429)
    assert caught.value.response.json() == expected


# -- fail-open ----------------------------------------------------------------


def test_memory_failure_forwards_without_memory(
    proxied: Proxied, stand_in: StandIn, space: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def store_down(*_: Any, **__: Any) -> Any:
        raise StoreUnavailable("graph store down (injected by the test)")

    monkeypatch.setattr(proxied.app.state.runtime.search, "search", store_down)
    answer = ask(proxied.client(space))
    assert answer.choices[0].message.content == ANSWER
    assert FACT not in memory_block(stand_in.seen[-1])
    assert GUIDE in memory_block(stand_in.seen[-1])


def test_late_memory_is_left_out(
    proxied: Proxied, stand_in: StandIn, space: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = proxied.app.state.runtime.proxy
    monkeypatch.setattr(proxy, "settings", replace(proxy.settings, memory_deadline_ms=0.001))
    answer = ask(proxied.client(space))
    assert answer.choices[0].message.content == ANSWER
    assert FACT not in memory_block(stand_in.seen[-1])


def test_an_unreachable_provider_is_a_502(
    proxied: Proxied, space: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kenning.proxy.service import build_upstream

    proxy = proxied.app.state.runtime.proxy
    # Nothing listens on port 9 (discard) of 127.0.0.1 here.
    dead = replace(proxy.settings, base_url="http://127.0.0.1:9/v1")
    monkeypatch.setattr(proxy, "_upstream", build_upstream(dead))
    with pytest.raises(openai.APIStatusError) as caught:
        ask(proxied.client(space))
    assert caught.value.status_code == 502
    assert caught.value.response.json()["error"]["code"] == "provider_unreachable"


def test_a_proxy_without_a_provider_key_says_so(
    proxied: Proxied, space: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = proxied.app.state.runtime.proxy
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(proxy, "settings", replace(proxy.settings, api_key="", base_url=""))
    monkeypatch.setattr(proxy, "_upstream", None)
    with pytest.raises(openai.APIStatusError) as caught:
        ask(proxied.client(space))
    assert caught.value.status_code == 503
    error = caught.value.response.json()["error"]
    assert error["code"] == "proxy_not_configured"
    assert "KENNING_PROXY_API_KEY" in error["message"]

"""``Kenning.wrap`` on the real OpenAI and Anthropic SDK clients, talking to
stand-in chat servers on 127.0.0.1 (recorded answers in each API's wire
format, SSE streams included) and to the real Kenning app: memory goes into
the system prompt, turns land in Kenning, streams pass through unchanged, and
with Kenning unreachable or silent the chat call still succeeds and the
queued turns arrive once Kenning answers again."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

from kenning.client import AsyncKenning, Kenning, memory_of
from kenning.client.errors import ServiceUnavailable
from kenning.client.recorder import Recorder
from kenning.config import load_settings
from tests.conftest import free_port, serve
from tests.llm_chat_stand_in import ANSWER, chat_stand_in

#: The REST API is the same on both engines: the embedded one is enough here.
FALKORDB = pytest.mark.parametrize("engine", ["falkordb"], indirect=True)

FACT = "Dana lives in Lisbon."
QUESTION = "Dana here: which pastry should I try near where I live?"
#: Recall deadline of the tests that check what memory brings: a busy machine
#: must not turn them into fail-open tests (those use the 300 ms default).
PATIENT = {"deadline_ms": 30_000}
#: Generous bound for a call whose recall fails or times out (deadline 300 ms):
#: far above deadline + a loopback chat call, far below a hung request.
FAIL_OPEN_S = 2.0


class Gate:
    """A TCP forwarder in front of Kenning on a fixed port that can be shut
    (nothing listens: connections are refused) and opened again."""

    def __init__(self, target: str) -> None:
        self.target = ("127.0.0.1", int(target.rsplit(":", 1)[1]))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: socket.socket | None = None
        self._open: list[socket.socket] = []
        self.open()

    def open(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._server,), daemon=True).start()

    def shut(self) -> None:
        assert self._server is not None
        # shutdown() wakes the thread blocked in accept(); close() alone would
        # leave the socket listening until that accept returned.
        self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self._server = None
        for conn in self._open:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._open.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    app, seen = chat_stand_in()
    with serve(load_settings(), app=app) as url:
        yield url, seen


@pytest.fixture
def space(app_url: str) -> Iterator[str]:
    """A fresh space holding one fact about Dana."""
    name = f"sdk-{uuid.uuid4().hex[:10]}"
    with Kenning(app_url) as kenning:
        kenning.add_facts(
            name, [{"subject": "Dana", "predicate": "lives_in", "object": "Lisbon", "text": FACT}]
        )
        yield name


@pytest.fixture
def gate(app_url: str) -> Iterator[Gate]:
    g = Gate(app_url)
    yield g
    if g._server is not None:
        g._server.close()


@pytest.fixture
def silent() -> Iterator[str]:
    """A port that accepts connections and never answers (a hung Kenning)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def openai_client(url: str) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0)


def anthropic_client(url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-ant-test", base_url=url, max_retries=0)


def episodes_in(url: str, space: str) -> list[dict[str, Any]]:
    """The space's episodes as exported (properties), oldest first."""
    out = io.BytesIO()
    with Kenning(url) as kenning:
        try:
            kenning.export_space(space, out)
        except ServiceUnavailable:
            return []
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    found = [line["properties"] for line in lines if line["type"] == "episode"]
    return sorted(found, key=lambda e: e["occurred_at"])


def memory_block(body: dict[str, Any]) -> str:
    """The system text the stand-in received, whichever API."""
    if "input" in body:
        return str(body.get("instructions") or "")
    if "system" in body:
        system = body["system"]
        return system if isinstance(system, str) else " ".join(b["text"] for b in system)
    return " ".join(m["content"] for m in body["messages"] if m["role"] == "system")


# -- memory in, turns out ----------------------------------------------------


@FALKORDB
def test_openai_chat_gets_memory_and_the_turn_is_recorded(
    app_url: str, stand_in: tuple[str, list[dict[str, Any]]], space: str
) -> None:
    url, seen = stand_in
    llm = Kenning(app_url).wrap(
        openai_client(url), space=space, session="chat-1", speaker="Dana", **PATIENT
    )
    answer = llm.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You are a travel guide."},
            {"role": "user", "content": QUESTION},
        ],
    )
    assert answer.choices[0].message.content == ANSWER
    sent = seen[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "system", "user"]
    assert sent[0]["content"] == "You are a travel guide."
    assert FACT in sent[1]["content"]
    assert sent[2]["content"] == QUESTION

    assert memory_of(llm).recorder.flush(60)
    recorded = episodes_in(app_url, space)
    assert [(e["role"], e["content"]) for e in recorded] == [
        ("user", QUESTION),
        ("assistant", ANSWER),
    ]
    assert recorded[0]["speaker"] == "Dana"
    assert {e["run_id"] for e in recorded} == {"chat-1"}
    memory_of(llm).close()


@FALKORDB
def test_openai_stream_chunks_pass_through_unchanged_and_are_recorded(
    app_url: str, stand_in: tuple[str, list[dict[str, Any]]], space: str
) -> None:
    url, seen = stand_in
    ask = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": QUESTION}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    plain = list(openai_client(url).chat.completions.create(**ask))
    llm = Kenning(app_url).wrap(openai_client(url), space=space, **PATIENT)
    with llm.chat.completions.create(**ask) as stream:
        wrapped = list(stream)
    assert all(type(c) is openai.types.chat.ChatCompletionChunk for c in wrapped)
    assert [c.model_dump() for c in wrapped] == [c.model_dump() for c in plain]
    assert len(wrapped) == len(ANSWER.split(" ")) + 3
    assert FACT in memory_block(seen[-1])

    assert memory_of(llm).recorder.flush(60)
    assert [e["content"] for e in episodes_in(app_url, space)] == [QUESTION, ANSWER]
    memory_of(llm).close()


@FALKORDB
def test_anthropic_system_is_combined_and_streams_pass_through(
    app_url: str, stand_in: tuple[str, list[dict[str, Any]]], space: str
) -> None:
    url, seen = stand_in
    llm = Kenning(app_url).wrap(anthropic_client(url), space=space, **PATIENT)
    ask: dict[str, Any] = {
        "model": "claude-haiku-4-5",
        "max_tokens": 200,
        "messages": [{"role": "user", "content": QUESTION}],
    }
    message = llm.messages.create(system="You are a travel guide.", **ask)
    assert message.content[0].text == ANSWER
    system = seen[-1]["system"]
    assert system.startswith("You are a travel guide.\n\n")
    assert FACT in system

    plain = list(anthropic_client(url).messages.create(stream=True, **ask))
    events = list(llm.messages.create(stream=True, **ask))
    assert [e.model_dump() for e in events] == [e.model_dump() for e in plain]
    assert [type(e) for e in events] == [type(e) for e in plain]
    assert seen[-1]["system"].startswith("Relevant long-term memory")

    assert memory_of(llm).recorder.flush(60)
    contents = [e["content"] for e in episodes_in(app_url, space)]
    assert contents == [QUESTION, ANSWER, QUESTION, ANSWER]
    memory_of(llm).close()


@FALKORDB
def test_openai_responses_get_memory_as_instructions_and_streams_pass_through(
    app_url: str, stand_in: tuple[str, list[dict[str, Any]]], space: str
) -> None:
    url, seen = stand_in
    llm = Kenning(app_url).wrap(openai_client(url), space=space, **PATIENT)
    answer = llm.responses.create(model="gpt-4o", input=QUESTION, instructions="Be brief.")
    assert answer.output_text == ANSWER
    assert seen[-1]["instructions"].startswith("Be brief.\n\n")
    assert FACT in seen[-1]["instructions"]

    ask = {"model": "gpt-4o", "input": [{"role": "user", "content": QUESTION}], "stream": True}
    plain = list(openai_client(url).responses.create(**ask))
    events = list(llm.responses.create(**ask))
    assert [e.model_dump() for e in events] == [e.model_dump() for e in plain]
    assert FACT in seen[-1]["instructions"]

    assert memory_of(llm).recorder.flush(60)
    assert [e["content"] for e in episodes_in(app_url, space)] == [QUESTION, ANSWER] * 2
    memory_of(llm).close()


@FALKORDB
def test_a_call_may_choose_another_space_and_skip_recall(
    app_url: str, stand_in: tuple[str, list[dict[str, Any]]], space: str
) -> None:
    url, seen = stand_in
    other = f"{space}-other"
    llm = Kenning(app_url).wrap(openai_client(url), space=space, **PATIENT)
    llm.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": QUESTION}],
        kenning={"space": other, "recall": False},
    )
    assert "kenning" not in seen[-1]
    assert [m["role"] for m in seen[-1]["messages"]] == ["user"]
    assert memory_of(llm).recorder.flush(60)
    assert [e["content"] for e in episodes_in(app_url, other)] == [QUESTION, ANSWER]
    assert episodes_in(app_url, space) == []
    memory_of(llm).close()


# -- fail-open ---------------------------------------------------------------


@FALKORDB
def test_with_kenning_down_the_call_succeeds_and_turns_arrive_when_it_is_back(
    app_url: str, stand_in: tuple[str, list[dict[str, Any]]], space: str, gate: Gate
) -> None:
    url, seen = stand_in
    llm = Kenning(gate.url).wrap(openai_client(url), space=space, deadline_ms=300)
    ask: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": QUESTION}],
    }
    llm.chat.completions.create(**ask, kenning=PATIENT)  # memory seen
    assert FACT in memory_block(seen[-1])
    assert memory_of(llm).recorder.flush(60)

    gate.shut()
    started = time.monotonic()
    answer = llm.chat.completions.create(**ask)
    chunks = list(llm.chat.completions.create(stream=True, **ask))
    elapsed = time.monotonic() - started
    assert answer.choices[0].message.content == ANSWER
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == ANSWER
    assert elapsed < 2 * FAIL_OPEN_S
    assert memory_block(seen[-1]) == ""  # no memory, no error
    recorder = memory_of(llm).recorder
    assert not recorder.flush(1.0)
    assert recorder.pending == 2

    gate.open()
    llm.chat.completions.create(**ask)  # Kenning answers the recall: the queue goes
    deadline = time.monotonic() + 60
    while recorder.pending and time.monotonic() < deadline:
        time.sleep(0.1)
    assert recorder.pending == 0
    assert recorder.flush(60)
    contents = [e["content"] for e in episodes_in(app_url, space)]
    assert contents == [QUESTION, ANSWER] * 4
    memory_of(llm).close()


def test_a_kenning_that_never_answers_costs_the_deadline_only(
    stand_in: tuple[str, list[dict[str, Any]]], silent: str
) -> None:
    url, seen = stand_in
    llm = Kenning(silent).wrap(anthropic_client(url), space="hung", deadline_ms=300)
    started = time.monotonic()
    message = llm.messages.create(
        model="claude-haiku-4-5", max_tokens=50, messages=[{"role": "user", "content": QUESTION}]
    )
    assert time.monotonic() - started < FAIL_OPEN_S
    assert message.content[0].text == ANSWER
    assert "system" not in seen[-1]
    assert memory_of(llm).recorder.pending == 1
    memory_of(llm).close(timeout_s=0.1)


# -- asyncio clients ---------------------------------------------------------


@FALKORDB
async def test_async_openai_and_anthropic_get_memory_and_record_streams(
    app_url: str, stand_in: tuple[str, list[dict[str, Any]]], space: str
) -> None:
    url, seen = stand_in
    kenning = AsyncKenning(app_url)
    gpt = kenning.wrap(
        openai.AsyncOpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0),
        space=space,
        **PATIENT,
    )
    claude = kenning.wrap(
        anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=url, max_retries=0),
        space=space,
        **PATIENT,
    )
    user = [{"role": "user", "content": QUESTION}]
    answer = await gpt.chat.completions.create(model="gpt-4o-mini", messages=user)
    assert answer.choices[0].message.content == ANSWER
    assert FACT in memory_block(seen[-1])

    stream = await gpt.chat.completions.create(model="gpt-4o-mini", messages=user, stream=True)
    chunks = [c async for c in stream]
    assert all(type(c) is openai.types.chat.ChatCompletionChunk for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == ANSWER

    async with await claude.messages.create(
        model="claude-haiku-4-5", max_tokens=50, messages=user, stream=True
    ) as events:
        kinds = [e.type async for e in events]
    assert kinds[0] == "message_start"
    assert kinds[-1] == "message_stop"
    assert FACT in memory_block(seen[-1])

    for llm in (gpt, claude):
        assert memory_of(llm).recorder.flush(60)
    contents = [e["content"] for e in episodes_in(app_url, space)]
    assert sorted(contents) == sorted([QUESTION, ANSWER] * 3)
    for llm in (gpt, claude):
        memory_of(llm).close()
    await kenning.close()


async def test_async_calls_fail_open_when_kenning_is_down_or_silent(
    stand_in: tuple[str, list[dict[str, Any]]], silent: str
) -> None:
    url, seen = stand_in
    for where in (f"http://127.0.0.1:{free_port()}", silent):
        llm = AsyncKenning(where).wrap(
            openai.AsyncOpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0),
            space="down",
            deadline_ms=300,
        )
        started = time.monotonic()
        answer = await llm.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": QUESTION}]
        )
        assert time.monotonic() - started < FAIL_OPEN_S
        assert answer.choices[0].message.content == ANSWER
        assert memory_block(seen[-1]) == ""
        assert memory_of(llm).recorder.pending == 1
        memory_of(llm).close(timeout_s=0.1)


# -- the local queue ---------------------------------------------------------


def test_the_queue_is_bounded_kept_in_its_file_and_sent_later(tmp_path: Path) -> None:
    sent: list[tuple[str, list[dict[str, Any]]]] = []
    up = threading.Event()

    def send(space: str, episodes: list[dict[str, Any]]) -> None:
        if not up.is_set():
            raise ServiceUnavailable("503 down", 503, "store_unavailable", retry_after=5)
        sent.append((space, episodes))

    path = tmp_path / "turns.jsonl"
    first = Recorder(send, max_turns=2, path=path, backoff_s=(0.05, 0.2))
    for n in range(3):
        first.record("q", [{"content": f"turn {n}", "role": "user"}])
    assert not first.flush(0.5)
    assert (first.pending, first.dropped) == (2, 1)
    first.close(timeout_s=0.1)
    assert len(path.read_text().splitlines()) == 2

    up.set()
    again = Recorder(send, max_turns=2, path=path, backoff_s=(0.05, 0.2))
    assert again.flush(10)
    assert [e["content"] for _, eps in sent for e in eps] == ["turn 1", "turn 2"]
    assert path.read_text() == ""
    again.close()


@FALKORDB
async def test_async_turns_queued_while_kenning_is_down_arrive_when_it_is_back(
    app_url: str, stand_in: tuple[str, list[dict[str, Any]]], space: str, gate: Gate
) -> None:
    url, seen = stand_in
    llm = AsyncKenning(gate.url).wrap(
        anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=url, max_retries=0),
        space=space,
    )
    gate.shut()
    started = time.monotonic()
    stream = await llm.messages.create(
        model="claude-haiku-4-5",
        max_tokens=50,
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
    )
    texts = [e.delta.text async for e in stream if e.type == "content_block_delta"]
    assert time.monotonic() - started < FAIL_OPEN_S
    assert "".join(texts) == ANSWER
    assert "system" not in seen[-1]
    recorder = memory_of(llm).recorder
    assert recorder.pending == 1

    gate.open()
    assert recorder.flush(60)
    assert [e["content"] for e in episodes_in(app_url, space)] == [QUESTION, ANSWER]
    memory_of(llm).close()

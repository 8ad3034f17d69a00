"""OpenAI chat ↔ Anthropic messages translation of the chat proxy, on the
anthropic SDK's own models of recorded answers and stream events: what the
end-to-end proxy tests do not reach (tools, images, stop sequences, roles)."""

from __future__ import annotations

import json
from typing import Any

import anthropic
from pydantic import TypeAdapter

from kenning.proxy.translate import ChunkTranslator, from_anthropic, to_anthropic
from tests.llm_recordings import anthropic_message, anthropic_stream_events

EVENT: TypeAdapter[Any] = TypeAdapter(anthropic.types.RawMessageStreamEvent)
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def test_a_request_with_system_images_tools_and_tool_results() -> None:
    body = {
        "model": "claude-haiku-4-5",
        "max_completion_tokens": 300,
        "temperature": 0.2,
        "stop": "END",
        "tools": [WEATHER],
        "tool_choice": "required",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Weather here?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Lisbon"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "22 C, sunny"},
        ],
    }
    params = to_anthropic(body)
    assert params["system"] == "Be brief.\n\nUse tools."
    assert params["max_tokens"] == 300
    assert params["temperature"] == 0.2
    assert params["stop_sequences"] == ["END"]
    assert params["tool_choice"] == {"type": "any"}
    assert params["tools"] == [
        {
            "name": "get_weather",
            "description": "Weather in a city.",
            "input_schema": WEATHER["function"]["parameters"],  # type: ignore[index]
        }
    ]
    user, assistant, tool = params["messages"]
    assert user == {
        "role": "user",
        "content": [
            {"type": "text", "text": "Weather here?"},
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"},
            },
        ],
    }
    assert assistant["content"] == [
        {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Lisbon"}}
    ]
    assert tool == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "22 C, sunny"}],
    }


def test_a_tool_use_answer_becomes_tool_calls() -> None:
    recorded = anthropic_message(
        [
            {"type": "text", "text": "Let me look."},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}},
        ]
    )
    answer = from_anthropic(anthropic.types.Message.model_validate(recorded))
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Let me look."
    call = choice["message"]["tool_calls"][0]
    assert call["id"] == "toolu_1"
    assert json.loads(call["function"]["arguments"]) == {"city": "Oslo"}
    assert answer["usage"] == {"prompt_tokens": 930, "completion_tokens": 140, "total_tokens": 1070}


def chunks_of(events: list[dict[str, Any]], include_usage: bool) -> list[Any]:
    translator = ChunkTranslator(include_usage)
    # The SDK's stream yields no ping events (it skips them), so neither do we.
    typed = [EVENT.validate_python(e) for e in events if e["type"] != "ping"]
    lines = [line for event in typed for line in translator.events(event)]
    assert lines[-1] == "data: [DONE]\n\n"
    return [json.loads(line[6:]) for line in lines[:-1]]


def test_a_text_stream_becomes_chunks_then_usage() -> None:
    chunks = chunks_of(anthropic_stream_events("Hello there Dana"), include_usage=True)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "Hello there Dana"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 3
    assert {c["id"] for c in chunks} == {"msg_01XFDUDYJgAACzvnptvVoYEL"}
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)


def test_a_tool_use_stream_becomes_tool_call_deltas() -> None:
    start = anthropic_stream_events("x")[0]
    block = {"type": "tool_use", "id": "toolu_9", "name": "get_weather", "input": {}}
    events = [
        start,
        {"type": "content_block_start", "index": 0, "content_block": block},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '{"city": '},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '"Quito"}'},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 12},
        },
        {"type": "message_stop"},
    ]
    chunks = chunks_of(events, include_usage=False)
    calls = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks[1:-1]]
    assert calls[0] == {
        "index": 0,
        "id": "toolu_9",
        "type": "function",
        "function": {"name": "get_weather", "arguments": ""},
    }
    assert "".join(c["function"]["arguments"] for c in calls) == '{"city": "Quito"}'
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"

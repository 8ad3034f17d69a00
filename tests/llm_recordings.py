"""Recorded LLM answers in each SDK's wire format (shared by the LLM tests).

The bodies are real response shapes: an OpenAI ``chat.completion`` whose
``choices[0].message.content`` is the extraction JSON (or a ``refusal``), and
an Anthropic ``message`` with a ``tool_use`` block (or a refusal / text-only
answer). Only the extraction JSON inside them is ours.
"""

from __future__ import annotations

import json
from typing import Any


def extraction(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The extraction JSON: ``{"episodes": [...]}``."""
    return {"episodes": items}


def item(
    episode_id: str, triples: list[dict[str, Any]], entities: list[dict[str, str]]
) -> dict[str, Any]:
    return {"episode_id": episode_id, "entities": entities, "triples": triples}


def triple(
    subject: str,
    predicate: str,
    obj: str,
    time: str | None = None,
    private: bool = False,
    confidence: float = 0.9,
) -> dict[str, Any]:
    return {
        "subject": subject,
        "predicate": predicate,
        "object": obj,
        "confidence": confidence,
        "time": time,
        "private": private,
    }


def openai_completion(
    content: str | None, refusal: str | None = None, model: str = "gpt-4o-mini-2024-07-18"
) -> dict[str, Any]:
    """A ``POST /v1/chat/completions`` answer body as OpenAI sends it."""
    return {
        "id": "chatcmpl-AXo4bZ3gq1YtJ6rK8mN2pQ5sT7uV9",
        "object": "chat.completion",
        "created": 1732700000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": refusal,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 812,
            "completion_tokens": 96,
            "total_tokens": 908,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_0ba0d124f1",
    }


def openai_json(answer: dict[str, Any]) -> dict[str, Any]:
    return openai_completion(json.dumps(answer))


def anthropic_message(
    content: list[dict[str, Any]], stop_reason: str = "tool_use"
) -> dict[str, Any]:
    """A ``POST /v1/messages`` answer body as Anthropic sends it."""
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5-20251001",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 930,
            "output_tokens": 140,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "service_tier": "standard",
        },
    }


def anthropic_tool_use(answer: dict[str, Any], name: str = "record_extractions") -> dict[str, Any]:
    return anthropic_message(
        [
            {
                "type": "tool_use",
                "id": "toolu_01A09q90qw90lq917835lq9",
                "name": name,
                "input": answer,
            }
        ]
    )


# -- Chat answers for the SDK wrap's stand-ins (tests/llm_chat_stand_in.py) -----


def openai_chat_chunks(text: str, model: str = "gpt-4o-mini-2024-07-18") -> list[dict[str, Any]]:
    """A streamed ``chat.completion.chunk`` sequence as OpenAI sends it with
    ``stream_options.include_usage``: a role chunk, one chunk per word, the
    finish chunk, then the usage chunk (no choices)."""
    head = {
        "id": "chatcmpl-AXo5cW1hk2ZuK7sL9nO3rQ6tU8vW0",
        "object": "chat.completion.chunk",
        "created": 1732700100,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": "fp_0ba0d124f1",
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**head, "choices": [choice], "usage": None}

    words = text.split(" ")
    pieces = [w if i == 0 else " " + w for i, w in enumerate(words)]
    usage = {"prompt_tokens": 57, "completion_tokens": len(words), "total_tokens": 57 + len(words)}
    return [
        chunk({"role": "assistant", "content": "", "refusal": None}),
        *(chunk({"content": p}) for p in pieces),
        chunk({}, "stop"),
        {**head, "choices": [], "usage": usage},
    ]


def openai_sse(chunks: list[dict[str, Any]]) -> list[str]:
    """Server-sent events of a streamed chat completion, ending ``[DONE]``."""
    return [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]


def anthropic_text_message(text: str) -> dict[str, Any]:
    """A ``POST /v1/messages`` answer with one text block."""
    return anthropic_message([{"type": "text", "text": text}], stop_reason="end_turn")


def anthropic_stream_events(text: str) -> list[dict[str, Any]]:
    """The events of a streamed message as Anthropic sends them: start, a text
    block built from one delta per word, a ping, the stop reason, the stop."""
    start = anthropic_message([], stop_reason="end_turn")
    start.update(stop_reason=None, usage={**start["usage"], "output_tokens": 1})
    words = text.split(" ")
    deltas = [
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": w if i == 0 else " " + w},
        }
        for i, w in enumerate(words)
    ]
    return [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        *deltas,
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": len(words)},
        },
        {"type": "message_stop"},
    ]


def anthropic_sse(events: list[dict[str, Any]]) -> list[str]:
    """Server-sent events of a streamed message (``event:`` names its type)."""
    return [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events]


def openai_response(text: str, status: str = "completed") -> dict[str, Any]:
    """A ``POST /v1/responses`` answer body (Responses API) with one message."""
    message = {
        "type": "message",
        "id": "msg_67ccd3acc8d48190a77525dc6de64b4104becb25c95c1b2d",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    return {
        "id": "resp_67ccd3a9da748190baa7f1570fe91ac604becb25c95c1b2d",
        "object": "response",
        "created_at": 1741476777,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": "gpt-4o-2024-08-06",
        "output": [message] if status == "completed" else [],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": 328,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 52,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 380,
        },
        "user": None,
        "metadata": {},
    }


def openai_response_events(text: str) -> list[dict[str, Any]]:
    """The events of a streamed Responses API answer: created, in progress,
    the message item and its text part opened, one text delta per word, then
    each closed and the response completed (``sequence_number`` counts them)."""
    done = openai_response(text)
    item = done["output"][0]
    pending = openai_response(text, status="in_progress")
    words = text.split(" ")
    part = {"type": "output_text", "text": "", "annotations": []}
    where = {"item_id": item["id"], "output_index": 0, "content_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": pending},
        {"type": "response.in_progress", "response": pending},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**item, "status": "in_progress", "content": []},
        },
        {"type": "response.content_part.added", **where, "part": part},
        *(
            {"type": "response.output_text.delta", **where, "delta": w if i == 0 else " " + w}
            for i, w in enumerate(words)
        ),
        {"type": "response.output_text.done", **where, "text": text},
        {"type": "response.content_part.done", **where, "part": item["content"][0]},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": done},
    ]
    return [{**e, "sequence_number": n} for n, e in enumerate(events)]


# -- Provider errors as each API sends them (the chat proxy's pass-through tests) --


def openai_error(status: int) -> dict[str, Any]:
    """An OpenAI error body: 429 (rate limit) or 400 (invalid request)."""
    if status == 429:
        error = {
            "message": "Rate limit reached for gpt-4o-mini in organization org-kenning on "
            "requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    else:
        error = {
            "message": "Invalid value for 'temperature': must be at most 2.",
            "type": "invalid_request_error",
            "param": "temperature",
            "code": "invalid_value",
        }
    return {"error": error}


def anthropic_error(status: int) -> dict[str, Any]:
    """An Anthropic error body: 429 (rate limit) or 400 (invalid request)."""
    kind, message = (
        ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
        if status == 429
        else ("invalid_request_error", "temperature: range: 0..1")
    )
    return {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy",
    }

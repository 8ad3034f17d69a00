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

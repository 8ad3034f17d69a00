"""OpenAI chat completions ↔ Anthropic messages, for the chat proxy.

Requests: system and developer messages become ``system``; user, assistant
and tool messages become ``messages`` (text and image parts, tool calls as
``tool_use`` blocks, tool answers as ``tool_result`` blocks); ``max_tokens``
(or ``max_completion_tokens``, default :data:`DEFAULT_MAX_TOKENS`),
``temperature``, ``top_p``, ``stop``, ``tools`` and ``tool_choice`` are
mapped; other OpenAI fields (``n``, ``logprobs``, ``response_format``, ...)
have no Anthropic counterpart and are left out.

Answers: a ``message`` becomes a ``chat.completion``; a stream's events
become ``chat.completion.chunk`` events (a usage chunk at the end when
``stream_options.include_usage`` asks for it), then ``data: [DONE]``.
"""

from __future__ import annotations

import json
import time
from typing import Any

#: ``max_tokens`` when the caller gives none (Anthropic requires one).
DEFAULT_MAX_TOKENS = 4096
#: OpenAI roles whose messages are instructions (Anthropic's ``system``).
SYSTEM_ROLES = ("system", "developer")
#: Anthropic stop reasons as OpenAI finish reasons.
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if p.get("type") == "text")
    return ""


def _image(url: str) -> dict[str, Any]:
    if url.startswith("data:") and ";base64," in url:
        media, data = url[5:].split(";base64,", 1)
        return {"type": "image", "source": {"type": "base64", "media_type": media, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    out: list[dict[str, Any]] = []
    for part in content or []:
        if part.get("type") == "text":
            out.append({"type": "text", "text": part.get("text", "")})
        elif part.get("type") == "image_url":
            out.append(_image(part.get("image_url", {}).get("url", "")))
    return out


def _message(message: dict[str, Any]) -> dict[str, Any]:
    role = message.get("role")
    if role == "tool":
        result = {
            "type": "tool_result",
            "tool_use_id": message.get("tool_call_id", ""),
            "content": _text_of(message.get("content")),
        }
        return {"role": "user", "content": [result]}
    blocks = _blocks(message.get("content"))
    for call in message.get("tool_calls") or []:
        function = call.get("function", {})
        arguments = function.get("arguments") or "{}"
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id", ""),
                "name": function.get("name", ""),
                "input": json.loads(arguments),
            }
        )
    return {"role": "assistant" if role == "assistant" else "user", "content": blocks}


def _tool_choice(choice: Any) -> dict[str, Any] | None:
    if choice == "auto":
        return {"type": "auto"}
    if choice == "required":
        return {"type": "any"}
    if choice == "none":
        return {"type": "none"}
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "tool", "name": choice.get("function", {}).get("name", "")}
    return None


def to_anthropic(body: dict[str, Any]) -> dict[str, Any]:
    """The ``messages.create`` arguments for an OpenAI chat-completions body
    (``stream`` left out: the caller of this decides).

    Raises:
        ValueError: a tool call's ``arguments`` is not JSON.
    """
    messages = body.get("messages") or []
    system = [_text_of(m.get("content")) for m in messages if m.get("role") in SYSTEM_ROLES]
    params: dict[str, Any] = {
        "model": body.get("model"),
        "max_tokens": body.get("max_completion_tokens")
        or body.get("max_tokens")
        or DEFAULT_MAX_TOKENS,
        "messages": [_message(m) for m in messages if m.get("role") not in SYSTEM_ROLES],
    }
    if any(system):
        params["system"] = "\n\n".join(s for s in system if s)
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            params[name] = body[name]
    stop = body.get("stop")
    if stop:
        params["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if body.get("tools"):
        params["tools"] = [
            {
                "name": t["function"]["name"],
                "description": t["function"].get("description", ""),
                "input_schema": t["function"].get("parameters") or {"type": "object"},
            }
            for t in body["tools"]
            if t.get("type") == "function"
        ]
    choice = _tool_choice(body.get("tool_choice"))
    if choice is not None:
        params["tool_choice"] = choice
    return params


def _tool_call(block: Any) -> dict[str, Any]:
    return {
        "id": block.id,
        "type": "function",
        "function": {"name": block.name, "arguments": json.dumps(block.input)},
    }


def from_anthropic(message: Any) -> dict[str, Any]:
    """A ``chat.completion`` body for an Anthropic ``Message``."""
    text = "".join(b.text for b in message.content if b.type == "text")
    calls = [_tool_call(b) for b in message.content if b.type == "tool_use"]
    answer: dict[str, Any] = {"role": "assistant", "content": text or None, "refusal": None}
    if calls:
        answer["tool_calls"] = calls
    usage = message.usage
    return {
        "id": message.id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": message.model,
        "choices": [
            {
                "index": 0,
                "message": answer,
                "logprobs": None,
                "finish_reason": FINISH_REASONS.get(message.stop_reason or "", "stop"),
            }
        ],
        "usage": {
            "prompt_tokens": usage.input_tokens,
            "completion_tokens": usage.output_tokens,
            "total_tokens": usage.input_tokens + usage.output_tokens,
        },
    }


class ChunkTranslator:
    """Anthropic stream events → OpenAI ``chat.completion.chunk`` SSE lines.

    Args:
        include_usage: Send the usage chunk (no choices) before ``[DONE]``
            (``stream_options.include_usage``).
    """

    def __init__(self, include_usage: bool) -> None:
        self._include_usage = include_usage
        self._head: dict[str, Any] = {"object": "chat.completion.chunk", "created": 0}
        self._tools: dict[int, int] = {}  # content block index -> tool call index
        self._usage = [0, 0]

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _sse({**self._head, "choices": [choice]})

    def events(self, event: Any) -> list[str]:
        """The SSE lines for one Anthropic stream event (maybe none)."""
        kind = event.type
        if kind == "message_start":
            m = event.message
            self._head.update(id=m.id, model=m.model, created=int(time.time()))
            self._usage[0] = m.usage.input_tokens
            return [self._chunk({"role": "assistant", "content": "", "refusal": None})]
        if kind == "content_block_start" and event.content_block.type == "tool_use":
            block, n = event.content_block, len(self._tools)
            self._tools[event.index] = n
            call = {"index": n, "id": block.id, "type": "function"}
            call["function"] = {"name": block.name, "arguments": ""}
            return [self._chunk({"tool_calls": [call]})]
        if kind == "content_block_delta":
            return self._delta(event)
        if kind == "message_delta":
            self._usage[1] = event.usage.output_tokens
            reason = FINISH_REASONS.get(event.delta.stop_reason or "", "stop")
            return [self._chunk({}, reason)]
        if kind == "message_stop":
            return self.end()
        return []

    def _delta(self, event: Any) -> list[str]:
        delta = event.delta
        if delta.type == "text_delta":
            return [self._chunk({"content": delta.text})]
        if delta.type == "input_json_delta" and event.index in self._tools:
            call = {
                "index": self._tools[event.index],
                "function": {"arguments": delta.partial_json},
            }
            return [self._chunk({"tool_calls": [call]})]
        return []

    def end(self) -> list[str]:
        """The usage chunk (when asked for) and ``[DONE]``."""
        out = []
        if self._include_usage:
            prompt, completion = self._usage
            usage = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
            out.append(_sse({**self._head, "choices": [], "usage": usage}))
        return [*out, "data: [DONE]\n\n"]


def error_event(message: str, kind: str) -> str:
    """An SSE error event as OpenAI sends one mid-stream (the SDK raises it)."""
    return _sse({"error": {"message": message, "type": kind, "param": None, "code": None}})


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload)}\n\n"

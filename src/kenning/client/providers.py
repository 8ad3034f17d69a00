"""Where each provider API keeps the user's words, the system prompt and the
answer: OpenAI chat completions and responses, Anthropic messages.

Messages may be dicts (as sent) or the SDKs' pydantic objects (an earlier
answer passed back), so fields are read with :func:`_get`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Kwargs = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Provider:
    """One wrapped method's dialect.

    Attributes:
        source: The ``source`` tag of recorded episodes.
        query: The last user message's text in the call's kwargs ("" if none).
        inject: The kwargs with the memory block added to the system prompt.
        answer: The text of a (non-streamed) result.
        chunk_text: The text of one streamed chunk or event ("" for others).
    """

    source: str
    query: Callable[[Kwargs], str]
    inject: Callable[[Kwargs, str], Kwargs]
    answer: Callable[[Any], str]
    chunk_text: Callable[[Any], str]


def _get(item: Any, key: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(key, default)
    return getattr(item, key, default)


def _text(content: Any, part_types: tuple[str, ...] = ("text",)) -> str:
    """A message's text: a string, or its text parts joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [_get(p, "text") for p in content if _get(p, "type") in part_types]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


def _last_user(messages: Any, part_types: tuple[str, ...] = ("text",)) -> str:
    if not isinstance(messages, list | tuple):
        return ""
    for message in reversed(messages):
        if _get(message, "role") == "user":
            return _text(_get(message, "content"), part_types).strip()
    return ""


# -- OpenAI chat completions ---------------------------------------------------


def _chat_inject(kwargs: Kwargs, block: str) -> Kwargs:
    # After the app's own leading system/developer messages, so its
    # instructions stay first and memory reads as context for them.
    messages = list(kwargs.get("messages") or [])
    at = 0
    while at < len(messages) and _get(messages[at], "role") in ("system", "developer"):
        at += 1
    messages.insert(at, {"role": "system", "content": block})
    return {**kwargs, "messages": messages}


def _chat_answer(result: Any) -> str:
    choices = _get(result, "choices") or []
    return (_get(_get(choices[0], "message"), "content") or "") if choices else ""


def _chat_chunk(chunk: Any) -> str:
    choices = _get(chunk, "choices") or []
    return (_get(_get(choices[0], "delta"), "content") or "") if choices else ""


OPENAI_CHAT = Provider(
    source="wrap:openai.chat",
    query=lambda kw: _last_user(kw.get("messages")),
    inject=_chat_inject,
    answer=_chat_answer,
    chunk_text=_chat_chunk,
)


# -- OpenAI responses ----------------------------------------------------------


def _responses_query(kwargs: Kwargs) -> str:
    given = kwargs.get("input")
    if isinstance(given, str):
        return given.strip()
    return _last_user(given, ("input_text", "text"))


def _responses_inject(kwargs: Kwargs, block: str) -> Kwargs:
    own = kwargs.get("instructions")
    return {**kwargs, "instructions": f"{own}\n\n{block}" if isinstance(own, str) else block}


def _responses_chunk(event: Any) -> str:
    if _get(event, "type") == "response.output_text.delta":
        return str(_get(event, "delta") or "")
    return ""


OPENAI_RESPONSES = Provider(
    source="wrap:openai.responses",
    query=_responses_query,
    inject=_responses_inject,
    answer=lambda result: str(_get(result, "output_text") or ""),
    chunk_text=_responses_chunk,
)


# -- Anthropic messages --------------------------------------------------------


def _anthropic_inject(kwargs: Kwargs, block: str) -> Kwargs:
    own = kwargs.get("system")
    system: Any
    if isinstance(own, str) and own:
        system = f"{own}\n\n{block}"
    elif isinstance(own, list | tuple):
        # Text blocks (maybe with cache_control): ours goes last, so a cached
        # prefix of the app's own blocks stays cacheable.
        system = [*own, {"type": "text", "text": block}]
    else:
        system = block
    return {**kwargs, "system": system}


def _anthropic_answer(result: Any) -> str:
    blocks = _get(result, "content") or []
    return "".join(_get(b, "text") or "" for b in blocks if _get(b, "type") == "text")


def _anthropic_chunk(event: Any) -> str:
    if _get(event, "type") != "content_block_delta":
        return ""
    delta = _get(event, "delta")
    return str(_get(delta, "text") or "") if _get(delta, "type") == "text_delta" else ""


ANTHROPIC_MESSAGES = Provider(
    source="wrap:anthropic.messages",
    query=lambda kw: _last_user(kw.get("messages")),
    inject=_anthropic_inject,
    answer=_anthropic_answer,
    chunk_text=_anthropic_chunk,
)

"""``Kenning.wrap``: give an OpenAI or Anthropic client long-term memory.

The wrapped methods are replaced on the client's own resource objects, so the
client keeps its type, and every other method is untouched:

- ``openai.OpenAI`` / ``AsyncOpenAI``: ``chat.completions.create`` and
  ``responses.create``;
- ``anthropic.Anthropic`` / ``AsyncAnthropic``: ``messages.create``.

Before a call, memory for the last user message is fetched
(``POST /v1/context``) under ``deadline_ms`` and added to the system prompt;
after it, the user turn and the answer are queued for recording in the
background (a stream is handed back unchanged and recorded when it ends).
Kenning down, slow or refusing never fails or delays the call past the
deadline. Not wrapped: ``with_raw_response`` / ``with_streaming_response``,
OpenAI's ``chat.completions.stream()`` / ``parse()``, Anthropic's
``messages.stream()``, and copies made with ``with_options()``.

Per call, ``kenning={"space": ..., "session": ..., "recall": False, ...}``
(any :class:`~kenning.client.memory.WrapOptions` field) overrides the wrap's
options; it is removed before the provider sees the call.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from kenning.client.http import Options
from kenning.client.memory import Memory, WrapOptions
from kenning.client.providers import (
    ANTHROPIC_MESSAGES,
    OPENAI_CHAT,
    OPENAI_RESPONSES,
    Kwargs,
    Provider,
)
from kenning.client.streams import AsyncRecordingStream, RecordingStream

log = logging.getLogger(__name__)

L = TypeVar("L")
#: The keyword a caller may add to a wrapped call; removed before the provider call.
CALL_OPTION = "kenning"
_MEMORY_ATTR = "_kenning_memory"


def wrap(llm: L, connection: Options, space: str, session: str | None = None, **options: Any) -> L:
    """Wrap ``llm`` in place and return it (see the module docstring).

    Args:
        llm: An ``openai.OpenAI``, ``openai.AsyncOpenAI``, ``anthropic.Anthropic``
            or ``anthropic.AsyncAnthropic`` client (or a subclass, e.g. Azure).
        connection: Where Kenning is (the wrapping client's options).
        space: Whose memory; ``session`` tags recorded episodes (``run_id``).
        **options: Other :class:`WrapOptions` fields (``deadline_ms=300``, ...).

    Raises:
        TypeError: ``llm`` is none of those, or is wrapped already.
    """
    if getattr(llm, _MEMORY_ATTR, None) is not None:
        raise TypeError("this client is wrapped already")
    targets = _targets(llm)
    memory = Memory(connection, WrapOptions(space=space, session=session, **options))
    # The SDKs' async ``create`` is a plain function returning a coroutine
    # (a decorator wraps it), so the client's class says which it is.
    is_async = bool(_kinds(llm) & {"openai.AsyncOpenAI", "anthropic.AsyncAnthropic"})
    for resource, provider in targets:
        method = _async_method if is_async else _sync_method
        resource.create = method(resource.create, memory, provider)
    setattr(llm, _MEMORY_ATTR, memory)
    return llm


def memory_of(llm: Any) -> Memory:
    """The :class:`Memory` of a wrapped client: ``memory_of(llm).recorder.flush()``
    sends queued turns now, ``.recorder.pending`` counts them, ``.close()``
    flushes and releases it.

    Raises:
        TypeError: ``llm`` was not wrapped.
    """
    memory = getattr(llm, _MEMORY_ATTR, None)
    if not isinstance(memory, Memory):
        raise TypeError("this client was not wrapped with Kenning.wrap")
    return memory


def _kinds(llm: Any) -> set[str]:
    """``package.Class`` of the client's class and its bases (``openai.OpenAI``)."""
    return {c.__module__.split(".")[0] + "." + c.__name__ for c in type(llm).__mro__}


def _targets(llm: Any) -> list[tuple[Any, Provider]]:
    kind = _kinds(llm)
    if kind & {"openai.OpenAI", "openai.AsyncOpenAI"}:
        found = [(llm.chat.completions, OPENAI_CHAT)]
        if hasattr(llm, "responses"):
            found.append((llm.responses, OPENAI_RESPONSES))
        return found
    if kind & {"anthropic.Anthropic", "anthropic.AsyncAnthropic"}:
        return [(llm.messages, ANTHROPIC_MESSAGES)]
    raise TypeError(f"Kenning.wrap takes an OpenAI or Anthropic client, not {type(llm)!r}")


def _before(memory: Memory, provider: Provider, kwargs: Kwargs) -> tuple[WrapOptions, str]:
    """The call's options and its query; never raises."""
    overrides = kwargs.pop(CALL_OPTION, None)
    try:
        return memory.options.per_call(overrides), provider.query(kwargs)
    except Exception as exc:  # fail-open
        log.warning("kenning: call not readable (%s); no memory for it", exc)
        return memory.options, ""


def _with_block(provider: Provider, kwargs: Kwargs, block: str | None) -> Kwargs:
    if block is None:
        return kwargs
    try:
        return provider.inject(kwargs, block)
    except Exception as exc:  # fail-open
        log.warning("kenning: memory not injected: %s", exc)
        return kwargs


def _after(
    memory: Memory,
    provider: Provider,
    options: WrapOptions,
    query: str,
    streamed: bool,
    result: Any,
    stream_type: type[RecordingStream] | type[AsyncRecordingStream],
) -> Any:
    if not options.record or not query:
        return result
    if streamed:

        def on_end(text: str) -> None:
            memory.record(options, query, text, provider.source)

        return stream_type(result, provider.chunk_text, on_end)
    try:
        answer = provider.answer(result)
    except Exception as exc:  # fail-open
        log.warning("kenning: answer not readable (%s); user turn recorded alone", exc)
        answer = ""
    memory.record(options, query, answer, provider.source)
    return result


def _sync_method(create: Callable[..., Any], memory: Memory, provider: Provider) -> Any:
    @functools.wraps(create)
    def create_with_memory(*args: Any, **kwargs: Any) -> Any:
        options, query = _before(memory, provider, kwargs)
        kwargs = _with_block(provider, kwargs, memory.recall(options, query))
        result = create(*args, **kwargs)
        streamed = kwargs.get("stream") is True
        return _after(memory, provider, options, query, streamed, result, RecordingStream)

    return create_with_memory


def _async_method(create: Callable[..., Any], memory: Memory, provider: Provider) -> Any:
    @functools.wraps(create)
    async def create_with_memory(*args: Any, **kwargs: Any) -> Any:
        options, query = _before(memory, provider, kwargs)
        kwargs = _with_block(provider, kwargs, await memory.arecall(options, query))
        result = await create(*args, **kwargs)
        streamed = kwargs.get("stream") is True
        return _after(memory, provider, options, query, streamed, result, AsyncRecordingStream)

    return create_with_memory

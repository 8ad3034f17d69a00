"""Anthropic behind the chat proxy, through the official ``anthropic`` SDK:
OpenAI chat bodies translated to the Messages API and its answers (streamed
or not) translated back (:mod:`kenning.proxy.translate`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic

from kenning.proxy.translate import ChunkTranslator, error_event, from_anthropic, to_anthropic
from kenning.proxy.upstream import Forwarded, ProviderError, ProviderUnreachable, passed_headers

_JSON = {"content-type": "application/json"}
_SSE = {"content-type": "text/event-stream; charset=utf-8"}


class AnthropicUpstream:
    """Claude models for OpenAI-format callers.

    A provider error is passed back as Anthropic gave it (its status and its
    JSON error body); a request that cannot be translated (a tool call whose
    ``arguments`` is not JSON) is answered 400 in OpenAI's error shape.

    Args:
        client: An ``anthropic.AsyncAnthropic`` with the proxy's key, base
            URL and timeout, and ``max_retries=0`` (the caller's SDK retries).
    """

    def __init__(self, client: anthropic.AsyncAnthropic) -> None:
        self._client = client

    async def forward(self, body: dict[str, Any]) -> Forwarded:
        """See :meth:`kenning.proxy.upstream.Upstream.forward`."""
        try:
            params = to_anthropic(body)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            error = {
                "message": f"cannot translate to Anthropic: {exc}",
                "type": "invalid_request_error",
            }
            raise ProviderError(400, json.dumps({"error": error}).encode(), {}) from exc
        streamed = body.get("stream") is True
        try:
            answer = await self._client.messages.create(**params, stream=streamed)
        except anthropic.APIStatusError as exc:
            raw = exc.response
            raise ProviderError(raw.status_code, raw.content, passed_headers(raw.headers)) from exc
        except anthropic.APIConnectionError as exc:
            timed_out = isinstance(exc, anthropic.APITimeoutError)
            raise ProviderUnreachable(f"{type(exc).__name__}: {exc}", timed_out) from exc
        if not streamed:
            return Forwarded(200, dict(_JSON), body=json.dumps(from_anthropic(answer)).encode())
        options = body.get("stream_options") or {}
        translator = ChunkTranslator(bool(options.get("include_usage")))
        return Forwarded(200, dict(_SSE), chunks=_translated(answer, translator))

    async def close(self) -> None:
        """See :meth:`kenning.proxy.upstream.Upstream.close`."""
        await self._client.close()


async def _translated(stream: Any, translator: ChunkTranslator) -> AsyncIterator[bytes]:
    ended = False
    try:
        async for event in stream:
            for line in translator.events(event):
                ended = ended or line.startswith("data: [DONE]")
                yield line.encode()
    except anthropic.APIError as exc:
        # An error event mid-stream (e.g. overloaded): OpenAI's mid-stream
        # error shape, which the caller's SDK raises.
        kind = getattr(exc, "type", None) or type(exc).__name__
        yield error_event(str(exc), str(kind)).encode()
        return
    finally:
        await stream.close()
    if not ended:
        for line in translator.end():
            yield line.encode()

"""The provider behind the chat proxy, as the proxy sees it.

An upstream takes an OpenAI chat-completions body and answers in OpenAI's
wire format: a JSON body, or server-sent ``chat.completion.chunk`` events
ending ``data: [DONE]``. :class:`OpenAIUpstream` forwards the body as it is
through the official ``openai`` SDK (OpenAI or any OpenAI-compatible base
URL) and hands the bytes back unchanged; the Anthropic upstream translates
(:mod:`kenning.proxy.anthropic_upstream`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Protocol

import openai

#: Provider answer headers handed on to the caller (rate limits, retry hints).
PASSED_HEADERS = ("retry-after", "x-ratelimit-", "openai-", "anthropic-ratelimit-")


def passed_headers(headers: Any) -> dict[str, str]:
    """The provider's headers the caller gets too (see :data:`PASSED_HEADERS`)."""
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith(PASSED_HEADERS)}


class ProviderError(Exception):
    """The provider answered with an error: passed back as it gave it.

    Attributes:
        status: Its HTTP status (e.g. 400, 429).
        body: Its body, unchanged.
        headers: Its headers the caller gets (``retry-after``, rate limits).
    """

    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        super().__init__(f"provider answered {status}")
        self.status = status
        self.body = body
        self.headers = headers


class ProviderUnreachable(Exception):
    """No answer from the provider: connection failed (502) or timed out (504)."""

    def __init__(self, message: str, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out


@dataclass
class Forwarded:
    """A successful provider answer in OpenAI's wire format.

    ``body`` is the whole JSON answer (not streamed) or None; ``chunks`` the
    SSE bytes of a stream (iterate once; the connection closes at the end,
    or with :meth:`aclose`).
    """

    status: int
    headers: dict[str, str]
    body: bytes | None = None
    chunks: AsyncIterator[bytes] | None = None
    _closer: AsyncExitStack | None = field(default=None, repr=False)

    async def aclose(self) -> None:
        """Release the provider connection. Safe to repeat."""
        if self._closer is not None:
            closer, self._closer = self._closer, None
            await closer.aclose()


class Upstream(Protocol):
    """A provider the proxy forwards to."""

    async def forward(self, body: dict[str, Any]) -> Forwarded:
        """Send an OpenAI chat-completions ``body`` (``stream`` decides the shape).

        Raises:
            ProviderError: the provider answered with an error status.
            ProviderUnreachable: no answer (connection refused, timeout).
        """

    async def close(self) -> None:
        """Release the client's connections."""


class OpenAIUpstream:
    """OpenAI, or any OpenAI-compatible server, through the ``openai`` SDK.

    The body goes out as the caller sent it (``model`` and ``messages`` as
    the SDK's arguments, every other field as ``extra_body``, so fields the
    SDK does not know yet pass too) and the answer comes back byte for byte.

    Args:
        client: An ``openai.AsyncOpenAI`` with the proxy's key, base URL and
            timeout, and ``max_retries=0``: the caller's SDK retries, so a
            429 reaches it at once with the provider's ``retry-after``.
    """

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self._client = client

    async def forward(self, body: dict[str, Any]) -> Forwarded:
        """See :meth:`Upstream.forward`."""
        rest = {k: v for k, v in body.items() if k not in ("model", "messages")}
        stack = AsyncExitStack()
        try:
            response = await stack.enter_async_context(
                self._client.chat.completions.with_streaming_response.create(
                    model=body["model"], messages=body["messages"], extra_body=rest
                )
            )
        except openai.APIStatusError as exc:
            await stack.aclose()
            raw = exc.response
            raise ProviderError(raw.status_code, raw.content, passed_headers(raw.headers)) from exc
        except openai.APIConnectionError as exc:
            await stack.aclose()
            timed_out = isinstance(exc, openai.APITimeoutError)
            raise ProviderUnreachable(f"{type(exc).__name__}: {exc}", timed_out) from exc
        headers = passed_headers(response.headers)
        headers["content-type"] = response.headers.get("content-type", "application/json")
        if body.get("stream") is True:
            return Forwarded(
                response.status_code, headers, chunks=response.iter_bytes(), _closer=stack
            )
        try:
            content = await response.read()
        finally:
            await stack.aclose()
        return Forwarded(response.status_code, headers, body=content)

    async def close(self) -> None:
        """See :meth:`Upstream.close`."""
        await self._client.close()

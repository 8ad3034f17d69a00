"""The chat proxy's memory work: recall before the provider call, record after.

Both are fail-open: recall that fails or passes ``KENNING_PROXY_MEMORY_DEADLINE_MS``
means the call goes out without memory; a turn that cannot be recorded is
logged, never raised. The provider client is built on first use, so an app
without proxy settings starts as before.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

from kenning.client.memory import MEMORY_HEADER
from kenning.client.providers import OPENAI_CHAT
from kenning.config import Settings
from kenning.domain.models import EpisodeCreate, Scope
from kenning.domain.rules import QUERY_MAX_CHARS
from kenning.errors import ConfigError
from kenning.ingest.service import IngestService
from kenning.proxy.upstream import Upstream
from kenning.search.recall import Ask, Recall

log = logging.getLogger(__name__)

#: Search results the injected block is built from.
MAX_ITEMS = 20
#: The SDKs' own key variables, read when ``KENNING_PROXY_API_KEY`` is empty.
SDK_KEY_VARS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
#: Sent to an OpenAI-compatible server that needs no key (the SDK insists on one).
NO_KEY = "no-key"
#: ``source`` of recorded turns.
SOURCE = "proxy:chat.completions"


@dataclass(frozen=True, slots=True)
class ProxySettings:
    """The proxy's part of ``KENNING_PROXY_*`` (see :class:`kenning.config.Settings`)."""

    provider: Literal["openai", "anthropic"] = "openai"
    base_url: str = ""
    api_key: str = ""
    context_tokens: int = 800
    timeout_s: float = 120.0
    memory_deadline_ms: float = 1000.0
    max_content_chars: int = 20_000


def proxy_settings(s: Settings) -> ProxySettings:
    """The proxy settings of ``s``."""
    return ProxySettings(
        provider=s.proxy_provider,
        base_url=s.proxy_base_url,
        api_key=s.proxy_api_key,
        context_tokens=s.proxy_context_tokens,
        timeout_s=s.proxy_timeout_s,
        memory_deadline_ms=s.proxy_memory_deadline_ms,
        max_content_chars=s.max_content_chars,
    )


@dataclass(frozen=True, slots=True)
class TurnTags:
    """Tags of recorded episodes: the user's name and category tags."""

    speaker: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    app_id: str | None = None


def build_upstream(s: ProxySettings) -> Upstream:
    """The provider client of ``s`` (no SDK retries: the caller's SDK retries).

    Raises:
        ConfigError: no API key (``KENNING_PROXY_API_KEY`` nor the SDK's
            variable, and no OpenAI-compatible base URL).
    """
    key = s.api_key or os.environ.get(SDK_KEY_VARS[s.provider], "")
    if not key and s.provider == "openai" and s.base_url:
        key = NO_KEY
    if not key:
        raise ConfigError(
            f"KENNING_PROXY_API_KEY: the chat proxy ({s.provider}) needs an API key; set "
            f"KENNING_PROXY_API_KEY or {SDK_KEY_VARS[s.provider]}"
        )
    common: dict[str, Any] = {
        "api_key": key,
        "base_url": s.base_url or None,
        "timeout": s.timeout_s,
        "max_retries": 0,
    }
    if s.provider == "anthropic":
        import anthropic

        from kenning.proxy.anthropic_upstream import AnthropicUpstream

        return AnthropicUpstream(anthropic.AsyncAnthropic(**common))
    import openai

    from kenning.proxy.upstream import OpenAIUpstream

    return OpenAIUpstream(openai.AsyncOpenAI(**common))


class ChatProxy:
    """Memory around a forwarded chat call.

    Args:
        settings: ``KENNING_PROXY_*``.
        recall: Builds the memory block (as ``POST /v1/context``) and logs
            it (kind ``proxy``).
        ingest: Where turns are recorded (as ``POST /v1/episodes``).
        upstream: The provider; None: built from ``settings`` on first use.
    """

    def __init__(
        self,
        settings: ProxySettings,
        recall: Recall,
        ingest: IngestService,
        upstream: Upstream | None = None,
    ) -> None:
        self.settings = settings
        self._recall = recall
        self._ingest = ingest
        self._upstream = upstream
        self._pending: set[asyncio.Task[None]] = set()

    def upstream(self) -> Upstream:
        """The provider client (built on first use).

        Raises:
            ConfigError: see :func:`build_upstream`.
        """
        if self._upstream is None:
            self._upstream = build_upstream(self.settings)
        return self._upstream

    async def recall(self, scope: Scope, query: str, key_id: str | None) -> str | None:
        """The memory block for ``query`` (header line, then the context
        block), or None: no query, nothing found, a failure, or past the
        deadline. Never raises."""
        if not query:
            return None
        query = query[-QUERY_MAX_CHARS:]  # the end of a long message is what is asked
        # The deadline is kept by waiting, not by cancelling: the call goes
        # out on time even when the memory work is slow to notice its
        # cancellation (a query in flight, an embedding in a thread).
        ask = Ask(query, MAX_ITEMS)
        tokens = self.settings.context_tokens
        work = asyncio.create_task(self._recall.context(scope, ask, tokens, key_id, "proxy"))
        try:
            done, _ = await asyncio.wait({work}, timeout=self.settings.memory_deadline_ms / 1000)
        finally:
            if not work.done():
                work.cancel()
                work.add_done_callback(_quietly)
        if not done:
            log.warning("proxy: memory passed its deadline; forwarded without it")
            return None
        try:
            block = work.result()
        except Exception as exc:  # fail-open: any failure means "no memory"
            log.warning("proxy: memory failed (%s); forwarded without it", exc)
            return None
        return f"{MEMORY_HEADER}\n{block.text}" if block.text.strip() else None

    @staticmethod
    def query_of(body: dict[str, Any]) -> str:
        """The last user message's text ("" when there is none)."""
        try:
            return OPENAI_CHAT.query(body)
        except Exception:  # an odd message shape: no memory, no recording
            return ""

    @staticmethod
    def with_memory(body: dict[str, Any], block: str | None) -> dict[str, Any]:
        """``body`` with ``block`` as a system message after the caller's own
        leading system/developer messages (unchanged when None)."""
        return body if block is None else OPENAI_CHAT.inject(body, block)

    def record_later(self, scope: Scope, tags: TurnTags, user: str, answer: str) -> None:
        """Record the turn (user message, then the answer when it has text) in
        the background, as ``POST /v1/episodes`` stores episodes. Never raises."""
        if not user.strip():
            return
        task = asyncio.create_task(self._record(scope, tags, user, answer))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _record(self, scope: Scope, tags: TurnTags, user: str, answer: str) -> None:
        cut = self.settings.max_content_chars
        category = {"agent_id": tags.agent_id, "run_id": tags.run_id, "app_id": tags.app_id}
        turns = [("user", user, tags.speaker)]
        if answer.strip():
            turns.append(("assistant", answer, "assistant"))
        try:
            episodes = [
                EpisodeCreate(
                    content=text[:cut], role=role, speaker=speaker, source=SOURCE, **category
                )
                for role, text, speaker in turns
            ]
            await self._ingest.submit(scope, episodes)
        except Exception as exc:  # never fails the answer already sent
            log.warning("proxy: turn not recorded in space %s: %s", scope.space, exc)

    async def drain(self) -> None:
        """Wait for turns being recorded (shutdown, tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        """Record what is pending, then release the provider client. Safe to repeat."""
        await self.drain()
        if self._upstream is not None:
            upstream, self._upstream = self._upstream, None
            await upstream.close()


def _quietly(task: asyncio.Task[Any]) -> None:
    # A late recall's outcome is nobody's: read it so asyncio does not log it.
    if not task.cancelled():
        task.exception()


def answer_text(body: bytes) -> str:
    """The assistant's text in a ``chat.completion`` JSON body ("" if none)."""
    try:
        choices = json.loads(body).get("choices") or []
        return str(choices[0]["message"].get("content") or "") if choices else ""
    except Exception:
        return ""


async def gathered(
    chunks: AsyncIterator[bytes], on_end: Callable[[str], None]
) -> AsyncIterator[bytes]:
    """``chunks`` unchanged, while the text of their ``chat.completion.chunk``
    events is gathered; ``on_end(text)`` once they end (or the caller goes)."""
    buffer, parts = b"", list[str]()
    try:
        async for chunk in chunks:
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            parts.extend(_delta_text(line) for line in lines)
            yield chunk
    finally:
        parts.append(_delta_text(buffer))
        on_end("".join(parts))


def _delta_text(line: bytes) -> str:
    if not line.startswith(b"data:"):
        return ""
    data = line[5:].strip()
    if not data or data == b"[DONE]":
        return ""
    try:
        choices = json.loads(data).get("choices") or []
        return str(choices[0].get("delta", {}).get("content") or "") if choices else ""
    except Exception:  # a line we cannot read is passed on, just not recorded
        return ""

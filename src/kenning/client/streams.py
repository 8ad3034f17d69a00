"""Streams handed back unchanged: the provider's own chunk objects, in order,
while their text is gathered so the answer is recorded when the stream ends."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)

#: Text of one chunk, or "" (role headers, tool calls, usage, pings).
TextOf = Callable[[Any], str]
#: Called once with the whole answer when the stream ends or is closed.
OnEnd = Callable[[str], None]


class _Gather:
    def __init__(self, text_of: TextOf, on_end: OnEnd) -> None:
        self._text_of = text_of
        self._on_end = on_end
        self._parts: list[str] = []
        self._ended = False

    def see(self, chunk: Any) -> None:
        try:
            self._parts.append(self._text_of(chunk))
        except Exception as exc:  # fail-open: a chunk shape we do not know
            log.debug("kenning: chunk text unreadable: %s", exc)

    def end(self) -> None:
        if self._ended:
            return
        self._ended = True
        try:
            self._on_end("".join(self._parts))
        except Exception as exc:  # fail-open
            log.warning("kenning: could not record a streamed answer: %s", exc)


class RecordingStream:
    """Iterates a provider's ``Stream`` unchanged; records its text at the end.

    Everything else (``response``, ``close()``, ``with``) is the stream's own.
    """

    def __init__(self, stream: Any, text_of: TextOf, on_end: OnEnd) -> None:
        self._stream = stream
        self._gather = _Gather(text_of, on_end)
        self._iterator = self._pass()

    def _pass(self) -> Iterator[Any]:
        try:
            for chunk in self._stream:
                self._gather.see(chunk)
                yield chunk
        finally:
            self._gather.end()

    def __iter__(self) -> Iterator[Any]:
        return self._iterator

    def __next__(self) -> Any:
        return next(self._iterator)

    def __enter__(self) -> RecordingStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the provider's stream; records what arrived so far."""
        try:
            self._stream.close()
        finally:
            self._gather.end()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class AsyncRecordingStream:
    """:class:`RecordingStream` for ``AsyncStream``."""

    def __init__(self, stream: Any, text_of: TextOf, on_end: OnEnd) -> None:
        self._stream = stream
        self._gather = _Gather(text_of, on_end)
        self._iterator = self._pass()

    async def _pass(self) -> AsyncIterator[Any]:
        try:
            async for chunk in self._stream:
                self._gather.see(chunk)
                yield chunk
        finally:
            self._gather.end()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterator

    async def __anext__(self) -> Any:
        return await self._iterator.__anext__()

    async def __aenter__(self) -> AsyncRecordingStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the provider's stream; records what arrived so far."""
        try:
            await self._stream.close()
        finally:
            self._gather.end()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

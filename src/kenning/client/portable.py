"""Streaming a ``kenning-jsonl`` file up, and checking one that came down."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from kenning.client.errors import ClientError

#: Bytes read from a file per chunk of an upload.
CHUNK_BYTES = 1 << 16


class FileChunks:
    """A file's bytes as an iterable that starts again from the top each time
    it is iterated, so a retried upload (429/503) sends the whole file again
    instead of an exhausted generator's nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as file:
            while chunk := file.read(CHUNK_BYTES):
                yield chunk


class AsyncFileChunks:
    """:class:`FileChunks` for ``AsyncKenning``: read in a worker thread so the
    event loop never waits on the disk (httpx takes a sync iterable as a
    sync body, hence a class of its own)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with self.path.open("rb") as file:
            while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
                yield chunk


def check_end(tail: bytes) -> None:
    """Check that an export's last line is its ``end`` line.

    Raises:
        ClientError: it is not; the server failed part-way and the file is cut.
    """
    line = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    try:
        ended = json.loads(line).get("type") == "end"
    except (ValueError, AttributeError):
        ended = False
    if not ended:
        raise ClientError("the export ended without its end line; the file is incomplete")

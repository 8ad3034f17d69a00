"""What answers on the embedded server's unix socket, asked with a single PING."""

from __future__ import annotations

import asyncio
import contextlib
from enum import Enum
from pathlib import Path

import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

#: Seconds between polls while waiting for the server or a process.
POLL_SECONDS = 0.05


class Probe(Enum):
    """What answers on a unix socket."""

    NOTHING = "nothing"
    LOADING = "loading"
    READY = "ready"


def one_shot_client(socket: Path, timeout_s: float = 5.0) -> aioredis.Redis:
    """A client for a single command: short timeouts and no retries.

    redis-py retries connection errors with back-off by default (seconds per
    call), which would make probing an absent socket slow.

    Args:
        socket: The unix socket.
        timeout_s: Seconds to wait for the answer (connecting: at most 1 s).
    """
    return aioredis.Redis(
        unix_socket_path=str(socket),
        socket_connect_timeout=min(1.0, timeout_s),
        socket_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
    )


async def probe(socket: Path, timeout_s: float = 5.0) -> Probe:
    """PING the socket: READY, LOADING (busy loading the AOF) or NOTHING.

    A server that does not answer within ``timeout_s`` s counts as NOTHING.
    """
    client = one_shot_client(socket, timeout_s)
    try:
        await client.ping()
    except redis.exceptions.BusyLoadingError:
        return Probe.LOADING
    except (redis.exceptions.RedisError, OSError):
        _raise_if_cancelled()
        return Probe.NOTHING
    finally:
        await client.aclose()
    return Probe.READY


class Pinger:
    """PINGs one socket again and again over a connection it keeps.

    The supervisor checks every half second; a new client per check cost a
    connect, the client's ``CLIENT SETINFO`` round trips and a read of package
    metadata on the event loop each time (~7 % of the API's CPU while it
    served searches). A failed PING drops the connection, so the next check
    connects again (to a restarted server, too).

    Args:
        socket: The unix socket.
        timeout_s: Seconds to wait for the answer (connecting: at most 1 s).
    """

    def __init__(self, socket: Path, timeout_s: float) -> None:
        self._socket = socket
        self._timeout_s = timeout_s
        self._client: aioredis.Redis | None = None

    async def probe(self, socket: Path | None = None) -> Probe:
        """Like :func:`probe`; ``socket`` replaces the kept one when it moved."""
        if socket is not None and socket != self._socket:
            await self.close()
            self._socket = socket
        if self._client is None:
            self._client = one_shot_client(self._socket, self._timeout_s)
        try:
            await self._client.ping()
        except redis.exceptions.BusyLoadingError:
            return Probe.LOADING
        except (redis.exceptions.RedisError, OSError):
            _raise_if_cancelled()
            await self.close()
            return Probe.NOTHING
        return Probe.READY

    async def close(self) -> None:
        """Close the kept connection, if any. Safe to repeat."""
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()


def _raise_if_cancelled() -> None:
    """Re-raise a cancellation that redis-py reported as a failed PING.

    redis-py can turn a cancellation that lands while it waits for a reply
    into a timeout or connection error; read as silence, it kept the
    supervisor's watch (and a start waiting for a loading server) going, and
    stop() waited for them forever.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError

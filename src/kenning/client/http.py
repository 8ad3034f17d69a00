"""What both typed clients share: connection settings, the retry policy and
turning an answer into a value or a typed error."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from tenacity import RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from kenning.client.calls import Call
from kenning.client.errors import ApiError, ConnectionFailed, RateLimited, ServiceUnavailable
from kenning.client.errors import error_for as error_for

T = TypeVar("T")

#: Where a client finds Kenning when no URL is given: ``KENNING_URL``, else this.
DEFAULT_URL = "http://127.0.0.1:8420"


@dataclass(frozen=True, slots=True)
class Options:
    """How a typed client connects and retries.

    Attributes:
        url: Base URL; default ``KENNING_URL`` or ``http://127.0.0.1:8420``.
        api_key: Bearer key; default ``KENNING_API_KEY``; empty without keys.
        timeout_s: Per-request timeout (connect, read, write, pool), seconds.
        attempts: Tries of a call answered 429/503 or not connected (1: no retry).
        max_wait_s: Longest wait between tries, seconds; a longer
            ``Retry-After`` is cut to it.
    """

    url: str
    api_key: str
    timeout_s: float
    attempts: int
    max_wait_s: float

    @classmethod
    def of(
        cls,
        url: str | None,
        api_key: str | None,
        timeout_s: float,
        attempts: int,
        max_wait_s: float,
    ) -> Options:
        """Options with the environment's defaults filled in."""
        return cls(
            url=(url or os.environ.get("KENNING_URL") or DEFAULT_URL).rstrip("/"),
            api_key=os.environ.get("KENNING_API_KEY", "") if api_key is None else api_key,
            timeout_s=timeout_s,
            attempts=max(1, attempts),
            max_wait_s=max_wait_s,
        )

    def headers(self) -> dict[str, str]:
        """The headers of every request (the bearer key, when there is one)."""
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def retry_policy(self) -> dict[str, Any]:
        """Keyword arguments of ``tenacity.Retrying`` / ``AsyncRetrying``:
        retry 429, 503 and refused connections up to ``attempts`` tries,
        waiting ``Retry-After`` when the server sends one (at most
        ``max_wait_s``), else an exponential backoff with jitter from 0.25 s."""
        backoff = wait_exponential_jitter(multiplier=0.25, max=self.max_wait_s)

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, ApiError) and error.retry_after is not None:
                return min(error.retry_after, self.max_wait_s)
            return float(backoff(state))

        return {
            "retry": retry_if_exception(is_retryable),
            "stop": stop_after_attempt(self.attempts),
            "wait": wait,
            "reraise": True,
        }


def is_retryable(error: BaseException) -> bool:
    """429 and 503 answers, and connections that were never made: a request
    that may have reached the server (a read timeout) is not sent again."""
    if isinstance(error, RateLimited | ServiceUnavailable):
        return True
    return isinstance(error, ConnectionFailed) and error.connect


def request_kwargs(call: Call[Any]) -> dict[str, Any]:
    """The ``httpx`` request arguments of ``call``."""
    kwargs: dict[str, Any] = {"params": call.params, "timeout": call.timeout}
    if call.content is not None:
        kwargs["content"] = call.content
        kwargs["headers"] = {"Content-Type": call.content_type or "application/octet-stream"}
    elif call.body is not None:
        kwargs["json"] = call.body
    return kwargs


def transport_error(url: str, error: httpx.TransportError) -> ConnectionFailed:
    """The SDK's error for an ``httpx`` transport failure."""
    connect = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
    return ConnectionFailed(
        f"no answer from Kenning at {url}: {type(error).__name__} {error}", connect
    )


def answer(call: Call[T], response: httpx.Response) -> T:
    """The value of a read answer, or raise its typed error.

    Raises:
        ApiError: a subclass by status (see :mod:`kenning.client.errors`).
    """
    if response.is_error:
        raise error_for(response)
    return call.parse(response.json())

"""The Python SDK of Kenning.

- :class:`Kenning` / :class:`AsyncKenning`: typed clients of every REST call
  (answers are the API's own pydantic models), retrying 429/503 with backoff
  that honours ``Retry-After``; errors are :mod:`kenning.client.errors`.
- ``Kenning(...).wrap(openai.OpenAI(), space="alice")`` (or an Anthropic
  client, sync or async): memory recalled into the system prompt before each
  chat call and the exchange recorded after it, fail-open
  (:mod:`kenning.client.wrap`).
- :class:`KenningClient`: the CLI's small dict-answering client.
"""

from kenning.client.aio import AsyncKenning
from kenning.client.errors import (
    ApiError,
    BadRequest,
    ClientError,
    ConflictError,
    ConnectionFailed,
    Forbidden,
    NotFoundError,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
)
from kenning.client.legacy import KenningClient
from kenning.client.memory import WrapOptions
from kenning.client.sync import Kenning
from kenning.client.wrap import memory_of

__all__ = [
    "ApiError",
    "AsyncKenning",
    "BadRequest",
    "ClientError",
    "ConflictError",
    "ConnectionFailed",
    "Forbidden",
    "Kenning",
    "KenningClient",
    "NotFoundError",
    "RateLimited",
    "ServiceUnavailable",
    "Unauthorized",
    "WrapOptions",
    "memory_of",
]

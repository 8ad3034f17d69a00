"""Per-key rate limits (``limits``: moving window, in this process's memory).

Each managed key has its own window, sized by its role
(``KENNING_RATE_LIMIT_ADMIN`` / ``KENNING_RATE_LIMIT_MEMBER``, ``limits``
strings such as ``"600/minute"``; empty: no limit). Development callers (no
keys, or the static ``KENNING_API_KEYS``) are not limited. With several
processes each keeps its own windows, so the effective limit is per process.
"""

from __future__ import annotations

import math
import time

from fastapi import HTTPException
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from kenning.access.principal import Principal, Role


class RateLimits:
    """Count requests per key and refuse those over the role's limit."""

    def __init__(self, admin: str, member: str) -> None:
        """Args: ``limits`` strings per role (``"600/minute"``); empty: none.

        Raises:
            ValueError: a string ``limits`` cannot parse.
        """
        self._items: dict[Role, list[RateLimitItem]] = {
            "admin": parse_many(admin) if admin else [],
            "member": parse_many(member) if member else [],
        }
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, principal: Principal) -> None:
        """Count one request of ``principal`` (a managed key).

        Raises:
            HTTPException: 429 with ``Retry-After`` (whole seconds until the
                window frees a request) when the key is over its limit.
        """
        key = principal.key_id
        if key is None:
            return
        # Test every window first, so a refused request counts in none.
        for item in self._items[principal.role]:
            if not self._limiter.test(item, key):
                self._refuse(item, key)
        for item in self._items[principal.role]:
            self._limiter.hit(item, key)

    def _refuse(self, item: RateLimitItem, key: str) -> None:
        reset = self._limiter.get_window_stats(item, key).reset_time
        retry = max(1, math.ceil(reset - time.time()))
        raise HTTPException(
            status_code=429,
            detail=f"rate limit of this API key exceeded ({item}); retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )

"""Which query words a large space has too many matches of to rank by.

Such a word lists no item in the full-text channel (its idf is near zero), yet
finding that out reads all its postings in the space: 82 of 194 ms of a
search in a 100k-fact space on FalkorDB. A word counted as too common is
remembered for a while and left out of the space's next lookups, which ranks
the same as asking for it.
"""

from __future__ import annotations

import time

#: Seconds a word counted as too common is left out without counting it again
#: (a space's word counts change slowly; the space counts are cached 10 s).
COMMON_WORDS_S = 60.0
#: Spaces and kinds remembered at once; all are forgotten when more come.
MAX_KEYS = 1024

#: (tenant, space, kind) of a full-text index.
Key = tuple[str, str, str]


class CommonWords:
    """Per space and item kind, the words recently counted as too common.

    Args:
        ttl_s: How long a word stays known (default :data:`COMMON_WORDS_S`).
        max_keys: Spaces and kinds kept (default :data:`MAX_KEYS`).
    """

    def __init__(self, ttl_s: float = COMMON_WORDS_S, max_keys: int = MAX_KEYS) -> None:
        self._ttl_s = ttl_s
        self._max_keys = max_keys
        #: key → word → monotonic time it was last counted.
        self._words: dict[Key, dict[str, float]] = {}

    def known(self, key: Key) -> frozenset[str]:
        """The words of ``key`` counted as too common in the last ``ttl_s`` s."""
        words = self._words.get(key)
        if not words:
            return frozenset()
        now = time.monotonic()
        for word in [w for w, at in words.items() if now - at >= self._ttl_s]:
            del words[word]
        return frozenset(words)

    def remember(self, key: Key, words: set[str]) -> None:
        """Record ``words`` as counted too common in ``key`` just now."""
        if not words:
            return
        if key not in self._words and len(self._words) >= self._max_keys:
            self._words.clear()
        self._words.setdefault(key, {}).update(dict.fromkeys(words, time.monotonic()))

"""Identifiers, normalised keys and content hashes."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
import unicodedata
from datetime import datetime

_ARTICLES = ("the ", "a ", "an ")
_NON_WORD = re.compile(r"[^\w\s'-]+")
_SPACES = re.compile(r"\s+")


class _IdClock:
    """Monotonic (ms, counter) pairs: ids made in the same millisecond keep the
    order they were made in, so a batch of episodes sorts in the order it was
    said (the episode neighbourhood of search relies on it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ms = 0
        self._counter = 0

    def next(self) -> tuple[int, int]:
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms > self._ms:
                # Random start with the top bit clear leaves 2**63 increments of room.
                self._ms, self._counter = ms, secrets.randbits(63)
            else:
                self._counter += 1
            return self._ms, self._counter


_CLOCK = _IdClock()


def new_id(prefix: str) -> str:
    """Return a time-ordered id such as ``fa_0190f3c2a1b4c9d8e7f6a5b4c3d2``.

    12 hex digits of Unix ms then 16 hex digits that start random and count up
    within a millisecond, so ids sort by creation order within a process;
    keyset pagination and the episode neighbourhood rely on that.
    """
    ms, counter = _CLOCK.next()
    return f"{prefix}_{ms:012x}{counter:016x}"


def entity_key(name: str) -> str:
    """Normalise an entity name for entity resolution within a space.

    Unicode NFKC, case-folded, punctuation dropped, whitespace collapsed and a
    leading article removed: ``"The  Acme, Inc."`` → ``"acme inc"``.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip(" '-")
    for article in _ARTICLES:
        if text.startswith(article) and len(text) > len(article):
            text = text[len(article) :]
            break
    return text


def predicate_key(text: str) -> str:
    """Normalise a predicate to snake_case: ``"Moved to"`` → ``"moved_to"``."""
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", text).casefold())
    return "_".join(words)


def content_hash(role: str, speaker: str | None, content: str) -> str:
    """SHA-256 hex of role, speaker and content: the episode's identity of text."""
    payload = "\x1f".join((role, speaker or "", content))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def dedup_key(idempotency_key: str | None, digest: str, occurred_at: datetime) -> str:
    """The per-space identity an episode is merged on.

    A client idempotency key wins; otherwise the content hash and the instant it
    was said, so the same words at another time are a new episode. The client
    key is stored as its SHA-256 hex: the key is uniquely constrained, and
    FalkorDB 4.16 crashes creating such a node when the value ends in
    whitespace or holds some control characters (``"k "``, ``"a\x01b"``).
    """
    if idempotency_key:
        return "key:" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()
    return f"hash:{digest}:{occurred_at.isoformat()}"

"""Identifiers, normalised keys and content hashes."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from datetime import datetime

_ARTICLES = ("the ", "a ", "an ")
_NON_WORD = re.compile(r"[^\w\s'-]+")
_SPACES = re.compile(r"\s+")


def new_id(prefix: str) -> str:
    """Return a time-ordered id such as ``fa_0190f3c2a1b4c9d8e7f6a5b4c3d2``.

    12 hex digits of Unix ms then 16 random hex digits, so ids sort by creation
    time; keyset pagination relies on that.
    """
    return f"{prefix}_{int(time.time() * 1000):012x}{secrets.token_hex(8)}"


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
    was said, so the same words at another time are a new episode.
    """
    if idempotency_key:
        return f"key:{idempotency_key}"
    return f"hash:{digest}:{occurred_at.isoformat()}"

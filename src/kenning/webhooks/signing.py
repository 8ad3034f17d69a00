"""Webhook signatures: HMAC-SHA256 over ``<timestamp>.<body>``.

Header ``Kenning-Signature: t=<unix seconds>,v1=<hex digest>``. A receiver
recomputes the digest with its secret over the timestamp, a dot and the raw
body bytes, compares in constant time, and refuses old timestamps (replay).
README "Webhooks" has the receiver's snippet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: Bytes of randomness in a generated secret (its text is ``whsec_`` + hex).
SECRET_BYTES = 32
SIGNATURE_HEADER = "Kenning-Signature"
EVENT_ID_HEADER = "Kenning-Event-Id"
EVENT_TYPE_HEADER = "Kenning-Event"
ATTEMPT_HEADER = "Kenning-Delivery-Attempt"


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 64 hex characters."""
    return "whsec_" + secrets.token_hex(SECRET_BYTES)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Kenning-Signature`` value: ``t=<timestamp>,v1=<hex>``."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_s: int = 300) -> bool:
    """Whether ``header`` signs ``body`` under ``secret`` with a timestamp
    within ``tolerance_s`` s of ``now`` (unix seconds). What a receiver does."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), fields.get("v1", ""))

"""The store port for the curator agent's pattern analyses and auto-fix."""

from __future__ import annotations

from typing import Protocol


class CuratorStore(Protocol):
    """Store methods for the curator agent's pattern analyses and auto-fix.

    Every method is filtered by tenant and space.
    """

"""The store port for runs, insights, leases and the change log of the memory agents."""

from __future__ import annotations

from typing import Protocol


class AgentRunStore(Protocol):
    """Store methods for runs, insights, leases and the change log of the memory agents.

    Every method is filtered by tenant and space.
    """

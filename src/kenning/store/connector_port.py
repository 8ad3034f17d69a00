"""The store port for the connector and digest agents' analyses."""

from __future__ import annotations

from typing import Protocol


class ConnectorStore(Protocol):
    """Store methods for the connector and digest agents' analyses.

    Every method is filtered by tenant and space.
    """

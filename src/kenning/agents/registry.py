"""Which analysis each agent runs, and how a run's changes are undone."""

from __future__ import annotations

from kenning.agents.connector import run_connector
from kenning.agents.curator import run_curator, undo_run
from kenning.agents.digest import run_digest
from kenning.agents.models import AgentName, Analysis

ANALYSES: dict[AgentName, Analysis] = {
    "curator": run_curator,
    "connector": run_connector,
    "digest": run_digest,
}

__all__ = ["ANALYSES", "undo_run"]

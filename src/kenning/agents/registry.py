"""Which analysis each agent runs, and how a run's changes are undone."""

from __future__ import annotations

from kenning.agents.connector import run_connector
from kenning.agents.curator import run_curator, undo_run
from kenning.agents.digest import digest_analysis, run_digest
from kenning.agents.digest.polish import build_polisher
from kenning.agents.models import AgentName, Analysis
from kenning.config import Settings

ANALYSES: dict[AgentName, Analysis] = {
    "curator": run_curator,
    "connector": run_connector,
    "digest": run_digest,
}

__all__ = ["ANALYSES", "analyses_for", "undo_run"]


def analyses_for(settings: Settings) -> dict[AgentName, Analysis]:
    """:data:`ANALYSES`, with the digest polished by the configured LLM when
    ``KENNING_DIGEST_POLISH=auto`` and ``KENNING_EXTRACTOR`` is an LLM.

    Raises:
        ConfigError: an LLM without an API key, or no digest prompt file.
    """
    polisher = build_polisher(settings)
    if polisher is None:
        return dict(ANALYSES)
    return {**ANALYSES, "digest": digest_analysis(polisher)}

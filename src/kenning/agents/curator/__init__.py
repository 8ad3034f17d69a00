"""The curator agent: duplicates, contradictions, stale facts, orphans and
low-information facts; with ``auto_fix`` it repairs them, recording every
change against its run so :func:`undo_run` restores the graph exactly."""

from __future__ import annotations

from kenning.agents.models import AgentContext, AgentOutcome
from kenning.domain.models import Scope
from kenning.store.port import GraphStore


async def run_curator(ctx: AgentContext) -> AgentOutcome:
    """Analyse ``ctx.scope`` (and fix it when ``ctx.auto_fix``)."""
    return AgentOutcome()


async def undo_run(store: GraphStore, scope: Scope, run_id: str) -> dict[str, int]:
    """Revert every change run ``run_id`` made, newest first; counts by change kind.

    Raises:
        NotFound: the run recorded no changes in this scope.
    """
    return {}

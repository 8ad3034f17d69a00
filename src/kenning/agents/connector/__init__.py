"""The connector agent: suggested links, clusters, bridges and recurring
patterns from the space's graph structure and dates."""

from __future__ import annotations

from kenning.agents.models import AgentContext, AgentOutcome


async def run_connector(ctx: AgentContext) -> AgentOutcome:
    """Analyse ``ctx.scope``; never changes the graph."""
    return AgentOutcome()

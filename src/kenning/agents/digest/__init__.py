"""The digest agent: what changed in a space over a period, as one insight
with a JSON body and a markdown rendering."""

from __future__ import annotations

from kenning.agents.models import AgentContext, AgentOutcome


async def run_digest(ctx: AgentContext) -> AgentOutcome:
    """Summarise ``ctx.scope`` over the period in ``ctx.options``."""
    return AgentOutcome()

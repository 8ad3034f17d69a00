"""The memory agents in GraphQL: insights, runs, and mutations to run agents
and dismiss insights, over :class:`~kenning.agents.service.AgentService`.

Insight and run lists are keyset pages, newest first: pass the last item's
``cursor`` (``pageInfo.endCursor``) as ``after``.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from kenning.agents.models import KINDS, AgentRun, Insight
from kenning.api.graphql.context import GraphContext
from kenning.api.graphql.inputs import aware, decode_cursor, encode_cursor
from kenning.errors import InputError
from kenning.graph.service import check_range
from kenning.store.agent_runs_port import InsightFilter

Ctx = Info[GraphContext, None]
DEFAULT_PAGE = 20
MAX_PAGE = 200
_KINDS = tuple(k for kinds in KINDS.values() for k in kinds)


@strawberry.enum(description="A memory agent.")
class Agent(Enum):
    CURATOR = "curator"
    CONNECTOR = "connector"
    DIGEST = "digest"


@strawberry.enum(description="Which agents a run request starts.")
class AgentSelection(Enum):
    CURATOR = "curator"
    CONNECTOR = "connector"
    DIGEST = "digest"
    ALL = "all"


@strawberry.enum(
    name="InsightStatus", description="open; dismissed by a person; resolved by a fix."
)
class InsightStatusEnum(Enum):
    OPEN = "open"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"


@strawberry.type(description="An entity an insight is about.")
class InsightEntity:
    id: strawberry.ID
    name: str


@strawberry.type(name="Insight", description="What an agent found, with its evidence.")
class InsightType:
    id: strawberry.ID
    space: str
    agent: str
    kind: str
    title: str
    body: str = strawberry.field(description="Markdown.")
    score: float = strawberry.field(description="0..1: how sure or how important.")
    status: str
    entities: list[InsightEntity]
    fact_ids: list[strawberry.ID]
    episode_ids: list[strawberry.ID]
    data: JSON = strawberry.field(description="Details for programs, by kind.")
    run_id: strawberry.ID
    created_at: datetime

    @classmethod
    def of(cls, i: Insight) -> InsightType:
        """The GraphQL view of an insight."""
        return cls(
            id=strawberry.ID(i.id),
            space=i.space,
            agent=i.agent,
            kind=i.kind,
            title=i.title,
            body=i.body,
            score=i.score,
            status=i.status,
            entities=[InsightEntity(id=strawberry.ID(e.id), name=e.name) for e in i.entities],
            fact_ids=[strawberry.ID(f) for f in i.fact_ids],
            episode_ids=[strawberry.ID(e) for e in i.episode_ids],
            data=cast(JSON, i.data),
            run_id=strawberry.ID(i.run_id),
            created_at=i.created_at,
        )


@strawberry.type(name="AgentRun", description="One run of one agent over one space.")
class AgentRunType:
    id: strawberry.ID
    space: str
    agent: str
    trigger: str = strawberry.field(description="manual or schedule.")
    auto_fix: bool
    started_at: datetime
    finished_at: datetime | None
    status: str = strawberry.field(description="running, succeeded, failed or undone.")
    stats: JSON = strawberry.field(description="ms, insight counts, the analysis's own counts.")
    error: str | None

    @classmethod
    def of(cls, r: AgentRun) -> AgentRunType:
        """The GraphQL view of a run."""
        return cls(
            id=strawberry.ID(r.id),
            space=r.space,
            agent=r.agent,
            trigger=r.trigger,
            auto_fix=r.auto_fix,
            started_at=r.started_at,
            finished_at=r.finished_at,
            status=r.status,
            stats=cast(JSON, r.stats),
            error=r.error,
        )


@strawberry.type(description="A page of insights, newest first.")
class InsightPage:
    nodes: list[InsightType]
    end_cursor: str | None = strawberry.field(description="Pass as `after`; null: last page.")


@strawberry.type(description="A page of agent runs, newest first.")
class AgentRunPage:
    nodes: list[AgentRunType]
    end_cursor: str | None = strawberry.field(description="Pass as `after`; null: last page.")


def insight_filter(
    agent: Agent | None,
    kind: str | None,
    status: InsightStatusEnum | None,
    since: datetime | None,
    entity_id: str | None = None,
) -> InsightFilter:
    """The store filter of GraphQL arguments.

    Raises:
        InputError: an unknown kind (field ``kind``) or a naive ``since``.
    """
    if kind is not None and kind not in _KINDS:
        raise InputError(f"kind must be one of {', '.join(_KINDS)}", field="kind")
    return InsightFilter(
        agent=agent.value if agent else None,
        kind=kind,
        status=status.value if status else None,
        since=aware(since, "since"),
        entity_id=entity_id,
    )


async def entity_insights(
    info: Ctx, space: str, entity_id: str, status: InsightStatusEnum | None, first: int
) -> list[InsightType]:
    """``Entity.insights``: the newest insights about one entity."""
    check_range("first", first, 1, MAX_PAGE)
    where = insight_filter(None, None, status, None, entity_id)
    page = await info.context.runtime.agents.insights(info.context.scope(space), where, "", first)
    return [InsightType.of(i) for i in page.items]


@strawberry.type
class AgentQuery:
    @strawberry.field(description="Insights of a space, newest first, filtered.")
    async def insights(
        self,
        info: Ctx,
        space: str,
        agent: Agent | None = None,
        kind: str | None = None,
        status: InsightStatusEnum | None = None,
        since: datetime | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> InsightPage:
        check_range("first", first, 1, MAX_PAGE)
        where = insight_filter(agent, kind, status, since)
        service, scope = info.context.runtime.agents, info.context.scope(space)
        page = await service.insights(scope, where, decode_cursor(after), first)
        end = encode_cursor(page.next_after) if page.next_after else None
        return InsightPage(nodes=[InsightType.of(i) for i in page.items], end_cursor=end)

    @strawberry.field(description="Runs of the agents over a space, newest first.")
    async def agent_runs(
        self,
        info: Ctx,
        space: str,
        agent: Agent | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> AgentRunPage:
        check_range("first", first, 1, MAX_PAGE)
        name = insight_filter(agent, None, None, None).agent
        service, scope = info.context.runtime.agents, info.context.scope(space)
        page = await service.runs(scope, decode_cursor(after), first, name)
        end = encode_cursor(page.next_after) if page.next_after else None
        return AgentRunPage(nodes=[AgentRunType.of(r) for r in page.items], end_cursor=end)


@strawberry.type
class AgentMutation:
    @strawberry.mutation(
        description="Start agents over a space in the background; follow the runs with "
        "agentRuns. CONFLICT while the same agent runs on the space."
    )
    async def run_agents(
        self,
        info: Ctx,
        space: str,
        agent: AgentSelection = AgentSelection.ALL,
        auto_fix: bool = False,
    ) -> list[AgentRunType]:
        scope = await info.context.write_scope(space)
        runs = await info.context.runtime.agents.run(scope, agent.value, "manual", auto_fix)
        return [AgentRunType.of(r) for r in runs]

    @strawberry.mutation(
        description="Dismiss an insight; a re-run does not bring it back. Safe to repeat."
    )
    async def dismiss_insight(self, info: Ctx, space: str, id: strawberry.ID) -> InsightType:
        scope = await info.context.write_scope(space)
        return InsightType.of(await info.context.runtime.agents.dismiss(scope, str(id)))

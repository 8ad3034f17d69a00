"""The ``Mutation`` root: ingest episodes, add and invalidate facts, run agents and
dismiss insights (:mod:`kenning.api.graphql.agents`), over the REST services."""

from __future__ import annotations

from datetime import datetime

import strawberry

from kenning.api.deps import require_space
from kenning.api.graphql.agents import AgentMutation
from kenning.api.graphql.inputs import EpisodeInput, FactInput, aware, episodes_in, facts_in
from kenning.api.graphql.types import Ctx, FactType, IngestResult, Job


@strawberry.type
class Mutation(AgentMutation):
    @strawberry.mutation(
        description="Store episodes durably (all or none) and queue them for extraction; "
        "follow the returned job. Safe to repeat (idempotency key, or content + occurredAt)."
    )
    async def ingest_episodes(
        self, info: Ctx, space: str, episodes: list[EpisodeInput]
    ) -> IngestResult:
        scope = await info.context.write_scope(space)
        accepted = await info.context.runtime.ingest.submit(scope, episodes_in(episodes))
        return IngestResult(
            job_id=strawberry.ID(accepted.job_id),
            episode_ids=[strawberry.ID(i) for i in accepted.episode_ids],
            created=accepted.created,
            duplicates=accepted.duplicates,
        )

    @strawberry.mutation(
        description="Queue a job's failed episodes again (pending, error cleared); "
        "returns the job. NOT_FOUND for an unknown job, CONFLICT when none failed."
    )
    async def retry_job(self, info: Ctx, id: strawberry.ID) -> Job:
        ingest, job = info.context.runtime.ingest, await info.context.job(str(id))
        require_space(info.context.principal, job.space, write=True)
        return Job.of(await ingest.retry_failed(info.context.tenant, job.id))

    @strawberry.mutation(
        description="Store triples without extraction; returns them as stored, in input "
        "order. Re-adding a triple merges into it."
    )
    async def add_facts(self, info: Ctx, space: str, facts: list[FactInput]) -> list[FactType]:
        scope = await info.context.write_scope(space)
        stored = await info.context.runtime.ingest.add_facts(scope, facts_in(facts))
        return [FactType.of(f) for f in stored]

    @strawberry.mutation(
        description="End a fact's valid time: it was true until `at` (default now). The "
        "previous state stays as an archived version; safe to repeat."
    )
    async def invalidate_fact(
        self,
        info: Ctx,
        space: str,
        id: strawberry.ID,
        at: datetime | None = None,
        reason: str | None = None,
    ) -> FactType:
        scope = await info.context.write_scope(space)
        fact = await info.context.runtime.temporal.invalidate(
            scope, str(id), valid_to=aware(at, "at"), reason=reason
        )
        return FactType.of(fact)

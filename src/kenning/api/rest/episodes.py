"""Ingest episodes and follow their jobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from kenning.api.deps import RuntimeDep, TenantDep
from kenning.api.rest.responses import BODY, COMMON, errors
from kenning.api.rest.schemas import EpisodeBatch, EpisodesAccepted, JobView
from kenning.domain.models import ItemId, Scope
from kenning.errors import NotFound

router = APIRouter(prefix="/v1", tags=["ingest"], responses=COMMON)


@router.post(
    "/episodes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EpisodesAccepted,
    responses={**BODY, **errors(409)},
)
async def add_episodes(body: EpisodeBatch, tenant: TenantDep, rt: RuntimeDep) -> EpisodesAccepted:
    """Store episodes durably and queue them for extraction.

    All or nothing: either every episode is stored (``202``) or none is.
    Idempotent per space on the client ``idempotency_key``, or else on the
    content and ``occurred_at``.
    """
    accepted = await rt.ingest.submit(Scope(tenant=tenant, space=body.space), body.episodes)
    return EpisodesAccepted(
        job_id=accepted.job_id,
        status_url=f"/v1/jobs/{accepted.job_id}",
        episode_ids=accepted.episode_ids,
        created=accepted.created,
        duplicates=accepted.duplicates,
    )


@router.get("/jobs/{job_id}", response_model=JobView, responses=errors(404))
async def get_job(job_id: Annotated[ItemId, Path()], tenant: TenantDep, rt: RuntimeDep) -> JobView:
    """Progress of an ingest job: episodes pending, processing, done, failed."""
    job = await rt.store.get_job(tenant, job_id)
    if job is None:
        raise NotFound(f"no job {job_id!r}")
    return JobView.of(job)

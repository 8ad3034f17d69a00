"""Ingest episodes and follow their jobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from kenning.api.deps import PrincipalDep, RuntimeDep, require_space, write_scope
from kenning.api.rest.responses import BODY, COMMON, errors
from kenning.api.rest.schemas import EpisodeBatch, EpisodesAccepted, JobView
from kenning.domain.models import ItemId

router = APIRouter(prefix="/v1", tags=["ingest"], responses=COMMON)


@router.post(
    "/episodes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EpisodesAccepted,
    responses={**BODY, **errors(409)},
)
async def add_episodes(
    body: EpisodeBatch, caller: PrincipalDep, rt: RuntimeDep
) -> EpisodesAccepted:
    """Store episodes durably and queue them for extraction.

    All or nothing: either every episode is stored (``202``) or none is.
    Idempotent per space on the client ``idempotency_key``, or else on the
    content and ``occurred_at``.
    """
    accepted = await rt.ingest.submit(await write_scope(rt, caller, body.space), body.episodes)
    return EpisodesAccepted(
        job_id=accepted.job_id,
        status_url=f"/v1/jobs/{accepted.job_id}",
        episode_ids=accepted.episode_ids,
        created=accepted.created,
        duplicates=accepted.duplicates,
    )


@router.get("/jobs/{job_id}", response_model=JobView, responses=errors(404))
async def get_job(
    job_id: Annotated[ItemId, Path()], caller: PrincipalDep, rt: RuntimeDep
) -> JobView:
    """Progress of an ingest job: episodes pending, processing, done, failed;
    ``stuck`` counts those in processing whose claim lease ran out (their
    worker died; the next worker takes them within a poll)."""
    job = await rt.ingest.job_status(caller.tenant, job_id)
    require_space(caller, job.space)
    return JobView.of(job)


@router.post(
    "/jobs/{job_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobView,
    responses={
        **BODY,
        **errors(404),
        409: {**errors(409)[409], "description": "None of the job's episodes is `failed`."},
    },
)
async def retry_job(
    job_id: Annotated[ItemId, Path()], caller: PrincipalDep, rt: RuntimeDep
) -> JobView:
    """Queue the job's ``failed`` episodes again: they turn ``pending`` (their
    error cleared) and the worker extracts them anew. Answers the job's
    status right after. Repeating the call answers ``409`` until another
    episode fails."""
    require_space(caller, (await rt.ingest.job_status(caller.tenant, job_id)).space, write=True)
    return JobView.of(await rt.ingest.retry_failed(caller.tenant, job_id))

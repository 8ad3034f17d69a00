"""Ingest episodes and follow their jobs."""

from __future__ import annotations

from fastapi import APIRouter, status

from kenning.api.deps import RuntimeDep, TenantDep
from kenning.api.rest.schemas import EpisodeBatch, EpisodesAccepted, JobView
from kenning.domain.models import Scope

router = APIRouter(prefix="/v1", tags=["ingest"])

_ERROR = '`{"error": {"code": ..., "message": ...}}`'
_UNKNOWN_JOB = {"description": f"No such job in the caller's tenant (`not_found`): {_ERROR}."}
_UNAVAILABLE = {
    "description": f"The graph store is unavailable (`unavailable`; retry after the "
    f"`Retry-After` seconds): {_ERROR}."
}


@router.post(
    "/episodes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EpisodesAccepted,
    responses={422: {"description": "Invalid input; nothing was stored."}},
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


@router.get(
    "/jobs/{job_id}",
    response_model=JobView,
    responses={404: _UNKNOWN_JOB, 503: _UNAVAILABLE},
)
async def get_job(job_id: str, tenant: TenantDep, rt: RuntimeDep) -> JobView:
    """Progress of an ingest job: episodes pending, processing, done, failed;
    ``stuck`` counts those in processing whose claim lease ran out (their
    worker died; the next worker takes them within a poll)."""
    return JobView.of(await rt.ingest.job_status(tenant, job_id))


@router.post(
    "/jobs/{job_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobView,
    responses={
        404: _UNKNOWN_JOB,
        409: {"description": f"None of the job's episodes is `failed` (`conflict`): {_ERROR}."},
        503: _UNAVAILABLE,
    },
)
async def retry_job(job_id: str, tenant: TenantDep, rt: RuntimeDep) -> JobView:
    """Queue the job's ``failed`` episodes again: they turn ``pending`` (their
    error cleared) and the worker extracts them anew. Answers the job's
    status right after. Repeating the call answers ``409`` until another
    episode fails."""
    return JobView.of(await rt.ingest.retry_failed(tenant, job_id))

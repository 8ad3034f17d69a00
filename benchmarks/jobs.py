"""Waiting for ingest jobs in-process, shared by the benchmark scripts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from kenning.store.port import GraphStore


async def settle(store: GraphStore, tenant: str, job_ids: Iterable[str], poll_s: float) -> int:
    """Wait until no episode of ``job_ids`` is pending or processing, polling
    each job every ``poll_s`` s (the graph is the queue: polling the job is
    how a client waits); the number of episodes that ended ``failed``."""
    failed = 0
    for job_id in job_ids:
        while (job := await store.get_job(tenant, job_id)) and (  # noqa: ASYNC110
            job.pending or job.processing
        ):
            await asyncio.sleep(poll_s)
        failed += job.failed if job else 0
    return failed

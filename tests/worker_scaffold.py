"""What the ingest worker's tests share: an embedded FalkorDB store of their
own, the real models, and episodes submitted straight through the store port
(as ``POST /v1/episodes`` would), so a test drives the worker by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from kenning.api import runtime as runtime_module
from kenning.config import load_settings
from kenning.domain.ids import content_hash, dedup_key, new_id
from kenning.domain.models import Scope, utcnow
from kenning.store.falkordb.store import FalkorStore
from kenning.store.port import NewEpisode


@asynccontextmanager
async def embedded_store(data_dir: Path, graph: str) -> AsyncIterator[FalkorStore]:
    """An opened embedded FalkorDB store on ``data_dir``, closed afterwards."""
    store = FalkorStore("embedded", graph=graph, data_dir=data_dir)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


def real_models() -> tuple[Any, Any]:
    """The configured extractor and embedder (spaCy and MiniLM by default)."""
    settings = load_settings()
    return runtime_module.load_extractor(settings), runtime_module.load_embedder(settings)


def new_episode(
    content: str, *, at: datetime | None = None, key: str | None = None, speaker: str = "Ann"
) -> NewEpisode:
    """A user turn of ``speaker`` saying ``content`` at ``at`` (default: now),
    with idempotency key ``key``."""
    digest = content_hash("user", speaker, content)
    at = at or utcnow()
    return NewEpisode(
        id=new_id("ep"),
        dedup_key=dedup_key(key, digest, at),
        role="user",
        speaker=speaker,
        content=content,
        content_hash=digest,
        occurred_at=at,
        idempotency_key=key,
    )


async def submit(store: FalkorStore, scope: Scope, *contents: str) -> tuple[str, list[str]]:
    """Queue one episode per content under a new job: ``(job id, episode ids)``."""
    job_id = new_id("job")
    refs = await store.add_episodes(scope, job_id, [new_episode(c) for c in contents], utcnow())
    return job_id, [r.id for r in refs]

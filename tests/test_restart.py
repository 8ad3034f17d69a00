"""Restarting the service keeps everything that was ingested (on each engine)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import serve, settings_on, wait_for_job


def test_a_restart_keeps_episodes_facts_and_search(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    settings = settings_on(engine, tmp_path / "data", request)
    space = f"restart-{uuid.uuid4().hex[:8]}"  # fresh, also in a shared Neo4j
    body = {
        "space": space,
        "episodes": [{"speaker": "Ann", "content": "I moved to Lisbon in March."}],
    }
    with serve(settings) as url, httpx.Client(base_url=url, timeout=60) as api:
        accepted = api.post("/v1/episodes", json=body).json()
        wait_for_job(api, accepted["job_id"])
        facts_before = api.get("/v1/facts", params={"space": space}).json()["items"]
    assert facts_before

    with serve(settings) as url, httpx.Client(base_url=url, timeout=60) as api:
        job = api.get(f"/v1/jobs/{accepted['job_id']}").json()
        assert (job["done"], job["total"]) == (1, 1)
        assert api.get("/v1/facts", params={"space": space}).json()["items"] == facts_before
        hits = api.post("/v1/search", json={"space": space, "query": "Lisbon"}).json()
        assert accepted["episode_ids"][0] in {r["id"] for r in hits["results"]}

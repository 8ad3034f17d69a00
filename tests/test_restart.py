"""Restarting the service keeps everything that was ingested."""

from __future__ import annotations

from pathlib import Path

import httpx

from kenning.config import load_settings
from tests.conftest import serve, wait_for_job


def test_a_restart_keeps_episodes_facts_and_search(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    body = {
        "space": "restart",
        "episodes": [{"speaker": "Ann", "content": "I moved to Lisbon in March."}],
    }
    with serve(settings) as url, httpx.Client(base_url=url) as api:
        accepted = api.post("/v1/episodes", json=body).json()
        wait_for_job(api, accepted["job_id"])
        facts_before = api.get("/v1/facts", params={"space": "restart"}).json()["items"]
    assert facts_before

    with serve(settings) as url, httpx.Client(base_url=url) as api:
        job = api.get(f"/v1/jobs/{accepted['job_id']}").json()
        assert (job["done"], job["total"]) == (1, 1)
        assert api.get("/v1/facts", params={"space": "restart"}).json()["items"] == facts_before
        hits = api.post("/v1/search", json={"space": "restart", "query": "Lisbon"}).json()
        assert accepted["episode_ids"][0] in {r["id"] for r in hits["results"]}

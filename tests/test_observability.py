"""/metrics and request ids over HTTP against the real app."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kenning.config import load_settings
from kenning.observability import Metrics, RequestIdFilter
from tests.conftest import serve, wait_for_job

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape: (name, sorted labels) → value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(scrape: str, name: str, **labels: str) -> float:
    return samples(scrape).get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_routes_by_template_and_store_queries(api: httpx.Client) -> None:
    before = api.get("/metrics")
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/plain")
    for _ in range(3):
        missing = api.get(f"/v1/facts/fa_{uuid.uuid4().hex}/x")  # no such route
        assert missing.status_code in (404, 405)
    api.get("/v1/timeline", params={"space": "metrics-none"}).raise_for_status()
    space = f"metrics-{uuid.uuid4().hex[:8]}"
    episode = {"content": "I live in Oslo.", "speaker": "Ola"}
    accepted = api.post("/v1/episodes", json={"space": space, "episodes": [episode]})
    wait_for_job(api, accepted.json()["job_id"])
    after = api.get("/metrics").text

    route = {"method": "GET", "route": "/v1/timeline"}
    assert value(after, "kenning_http_requests_total", **route, status="200") >= 1
    assert value(after, "kenning_http_request_duration_seconds_count", **route) >= 1
    assert (
        value(after, "kenning_http_requests_total", method="GET", route="unmatched", status="404")
        >= 3
    )
    assert "/v1/facts/fa_" not in after  # raw paths never become label values
    assert value(after, "kenning_store_query_duration_seconds_count", query="add_episodes") >= 1
    assert value(after, "kenning_store_query_duration_seconds_count", query="write_graph") >= 1
    grew = value(after, "kenning_ingest_claimed_episodes_total") - value(
        before.text, "kenning_ingest_claimed_episodes_total"
    )
    assert grew >= 1
    assert ("kenning_ingest_episodes", (("status", "pending"),)) in samples(after)
    assert ("kenning_ingest_episodes", (("status", "processing"),)) in samples(after)


def test_engine_counters_are_read_from_the_store_when_present() -> None:
    class Server:
        restarts = 3

    class Store:
        _server = Server()
        pool_waits = 7
        pool_wait_seconds = 0.25

    metrics = Metrics()
    text = metrics.render()[0].decode()
    assert "kenning_embedded_engine_restarts" not in text  # no store bound yet
    metrics.bind_store(Store())
    text = metrics.render()[0].decode()
    assert value(text, "kenning_embedded_engine_restarts_total") == 3
    assert value(text, "kenning_store_pool_waits_total") == 7
    assert value(text, "kenning_store_pool_wait_seconds_total") == 0.25
    metrics.observe_query("ping", 0.002, None, TimeoutError())
    text = metrics.render()[0].decode()
    assert value(text, "kenning_store_query_errors_total", query="ping", error="TimeoutError") == 1


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app with tenant keys and a metrics key."""
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("keyed"),
        api_keys={"tenant-key": "acme"},
        metrics_key="scrape-key",
    )
    with serve(settings, ready_path="/healthz") as url:
        yield url


def test_metrics_key_is_required_when_set(keyed: str) -> None:
    assert httpx.get(f"{keyed}/metrics").status_code == 401
    tenant = {"Authorization": "Bearer tenant-key"}
    assert httpx.get(f"{keyed}/metrics", headers=tenant).status_code == 401
    scraper = {"Authorization": "Bearer scrape-key"}
    assert httpx.get(f"{keyed}/metrics", headers=scraper).status_code == 200


def test_request_id_is_echoed_and_in_error_bodies(api: httpx.Client) -> None:
    sent = {"X-Request-ID": "client-req.42"}
    missing = api.get(f"/v1/jobs/job_{uuid.uuid4().hex}", headers=sent)
    assert missing.status_code == 404
    assert missing.headers["X-Request-ID"] == "client-req.42"
    assert missing.json()["error"]["request_id"] == "client-req.42"
    invalid = api.post("/v1/search", json={"space": "x"}, headers=sent)
    assert invalid.status_code == 422
    assert invalid.json()["error"]["request_id"] == "client-req.42"
    for bad in ("has space", "x" * 65, "semi;colon"):
        answer = api.get("/healthz", headers={"X-Request-ID": bad})
        assert HEX32.match(answer.headers["X-Request-ID"]), bad
    generated = api.get("/v1/facts", params={"space": "bad space!"})
    rid = generated.headers["X-Request-ID"]
    assert HEX32.match(rid)
    assert generated.json()["error"]["request_id"] == rid


def test_graphql_errors_and_log_lines_carry_the_request_id(api: httpx.Client) -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    handler.addFilter(RequestIdFilter())
    root, kenning = logging.getLogger(), logging.getLogger("kenning")
    root.addHandler(handler)
    level = kenning.level
    kenning.setLevel(logging.INFO)  # "graphql request refused" is an INFO line
    try:
        answer = api.post(
            "/graphql",
            json={"query": '{ entity(space: "x", name: 5) { id } }'},
            headers={"X-Request-ID": "gql-7"},
        )
    finally:
        root.removeHandler(handler)
        kenning.setLevel(level)
    errors = answer.json()["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["request_id"] == "gql-7"
    assert any(getattr(r, "request_id", None) == "gql-7" for r in records), records


def test_metrics_answer_while_the_store_is_down(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, graph_url="falkordb://127.0.0.1:1")
    with serve(settings, ready_path="/metrics") as url:
        scrape = httpx.get(f"{url}/metrics", timeout=10)
        assert scrape.status_code == 200
        assert value(scrape.text, "kenning_metrics_refresh_errors_total") >= 1
        down = httpx.get(f"{url}/healthz", timeout=10)
        assert down.status_code == 503
        assert down.json()["error"]["request_id"] == down.headers["X-Request-ID"]

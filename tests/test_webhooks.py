"""Webhooks against the real served app and a local receiver on 127.0.0.1:
every event type arrives once per event id, signed; a receiver failing
twice gets the event on the third try; a restart mid-delivery loses
nothing; SSRF targets are refused at registration and at delivery. The
module's app runs on both engines."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from kenning.agents.models import AgentContext, AgentOutcome, InsightDraft, fingerprint
from kenning.api import runtime as runtime_module
from kenning.api.app import create_app
from kenning.config import Settings, load_settings
from kenning.domain.models import Episode, Extraction, Scope
from kenning.errors import StoreUnavailable
from kenning.extract.port import Extractor
from kenning.store.webhooks_queries import WebhookQueries
from tests.conftest import serve, settings_on, wait_for_job
from tests.webhook_receiver import Received, Receiver, start_receiver

SECRET = "test-secret-0123456789abcdef"
POISON = "POISON"
MODULE_TENANT = f"hooks-{uuid.uuid4().hex[:8]}"
MODULE_KEY = "webhooks-module-key"
README = Path(__file__).resolve().parents[1] / "README.md"
ALL_EVENTS = ["job.completed", "job.failed", "fact.superseded", "insight.created"]
#: Small delays so that retries and leases run out within a test.
FAST: dict[str, Any] = dict(
    webhook_allow_private=True,
    webhook_backoff_base_s=0.2,
    webhook_backoff_max_s=1.0,
    webhook_poll_s=0.1,
    webhook_timeout_s=1.0,
    webhook_lease_s=3.0,
    ingest_retries=0,
    ingest_retry_backoff_s=0.0,
)


class PoisonExtractor:
    """The real extractor, except that a batch holding :data:`POISON`
    raises (an ingest job that fails)."""

    def __init__(self, inner: Extractor) -> None:
        self.inner = inner

    def extract(self, episodes: Sequence[Episode]) -> list[Extraction]:
        if any(POISON in e.content for e in episodes):
            raise ValueError("poisoned episode")
        return self.inner.extract(episodes)


async def curator(ctx: AgentContext) -> AgentOutcome:
    """A test-local curator: one insight per entity of the space."""
    entities = (await ctx.store.list_entities(ctx.scope, "", 100)).items
    drafts = [
        InsightDraft(
            agent="curator",
            kind="orphan_entity",
            title=f"{e.name} looks orphaned",
            body=f"**{e.name}** has no mention.",
            score=0.5,
            fingerprint=fingerprint("orphan_entity", e.id),
            entity_ids=[e.id],
        )
        for e in entities
    ]
    return AgentOutcome(insights=drafts)


async def nothing(ctx: AgentContext) -> AgentOutcome:
    return AgentOutcome()


ANALYSES: dict[str, Any] = {"curator": curator, "connector": nothing, "digest": nothing}


@contextmanager
def webhook_app(settings: Settings) -> Iterator[str]:
    """The real app with the test curator and :class:`PoisonExtractor`."""
    original = runtime_module.load_extractor
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runtime_module, "load_extractor", lambda s: PoisonExtractor(original(s)))
        with serve(settings, app=create_app(settings, analyses=ANALYSES)) as url:
            yield url


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    found, server = start_receiver()
    yield found
    server.shutdown()


@pytest.fixture(scope="module")
def app_url(
    engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    # A tenant of its own: on Neo4j the session's app shares the database,
    # and its worker (real extractor, tenant "default") must not claim this
    # module's episodes nor deliver its webhooks.
    settings = settings_on(
        engine,
        tmp_path_factory.mktemp("webhooks"),
        request,
        api_keys={MODULE_KEY: MODULE_TENANT},
        worker_tenants=(MODULE_TENANT,),
        **FAST,
    )
    with webhook_app(settings) as url:
        yield url


@pytest.fixture
def client(app_url: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {MODULE_KEY}"}
    with httpx.Client(base_url=app_url, timeout=60, headers=headers) as http:
        yield http


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def register(
    client: httpx.Client, url: str, events: list[str], space: str | None, **extra: Any
) -> dict[str, Any]:
    body = {"url": url, "events": events, "secret": SECRET, **extra}
    if space is not None:
        body["spaces"] = [space]
    answer = client.post("/v1/webhooks", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def ingest(client: httpx.Client, space: str, *contents: str) -> dict[str, Any]:
    episodes = [{"speaker": "Ann", "content": c} for c in contents]
    accepted = client.post("/v1/episodes", json={"space": space, "episodes": episodes})
    assert accepted.status_code == 202, accepted.text
    return wait_for_job(client, accepted.json()["job_id"])


def run_curator(client: httpx.Client, space: str) -> None:
    started = client.post("/v1/agents/run", json={"space": space, "agent": "curator"})
    assert started.status_code == 202, started.text
    run_id = started.json()["run_ids"][0]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = client.get(f"/v1/agents/runs/{run_id}", params={"space": space}).json()
        if run["status"] != "running":
            assert run["status"] == "succeeded", run
            return
        time.sleep(0.1)
    raise AssertionError("the curator run did not finish")


def settled(client: httpx.Client, webhook_id: str, timeout_s: float = 120) -> list[dict[str, Any]]:
    """The webhook's deliveries once none is pending."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = client.get(f"/v1/webhooks/{webhook_id}/deliveries")
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()
        if rows and all(r["status"] != "pending" for r in rows):
            return rows
        time.sleep(0.1)
    raise AssertionError(f"deliveries of {webhook_id} still pending")


def signed(item: Received, secret: str = SECRET) -> bool:
    """Check the signature independently of Kenning's own code."""
    fields = dict(p.split("=", 1) for p in item.headers["kenning-signature"].split(","))
    message = fields["t"].encode() + b"." + item.body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return abs(time.time() - int(fields["t"])) < 300 and hmac.compare_digest(expected, fields["v1"])


def test_each_event_type_arrives_once_per_event_id_with_a_valid_signature(
    client: httpx.Client, receiver: Receiver
) -> None:
    space, path = fresh("hooks"), f"/{fresh('all')}"
    hook = register(client, receiver.url + path, ALL_EVENTS, space)
    # A webhook of another space gets none of these events.
    elsewhere = f"/{fresh('other')}"
    register(client, receiver.url + elsewhere, ALL_EVENTS, fresh("other"))

    good = ingest(client, space, "I moved to Lisbon in March.")
    bad = ingest(client, space, f"{POISON} in this one")
    assert (good["failed"], bad["failed"]) == (0, 1)
    facts = [
        {
            "subject": "Bea",
            "predicate": "lives_in",
            "object": "Oslo",
            "valid_from": "2020-01-01T00:00:00Z",
        },
        {
            "subject": "Bea",
            "predicate": "lives_in",
            "object": "Rome",
            "valid_from": "2022-01-01T00:00:00Z",
        },
    ]
    stored = client.post("/v1/facts", json={"space": space, "facts": facts})
    assert stored.status_code == 201, stored.text
    oslo, rome = (f["id"] for f in stored.json()["facts"])
    run_curator(client, space)
    insights = client.get("/v1/insights", params={"space": space, "limit": 100}).json()["items"]
    assert insights
    settled(client, hook["id"])
    # A second run updates the same insights (same fingerprints): nothing new.
    run_curator(client, space)
    rows = settled(client, hook["id"])

    got = receiver.at(path)
    events = [r.event for r in got]
    assert all(r.status == 200 for r in got)
    assert all(signed(r) for r in got)
    assert all(r.headers["kenning-event-id"] == r.event["id"] for r in got)
    assert all(r.headers["kenning-event"] == r.event["type"] for r in got)
    assert all(e["space"] == space for e in events)
    assert Counter(e["id"] for e in events).most_common(1)[0][1] == 1  # once per id
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_type.setdefault(e["type"], []).append(e["data"])
    assert [d["job_id"] for d in by_type["job.completed"]] == [good["id"]]
    assert [d["job_id"] for d in by_type["job.failed"]] == [bad["id"]]
    assert by_type["job.failed"][0]["errors"] == ["ValueError: poisoned episode"]
    assert {"fact_id": oslo, "superseded_by": rome} in [
        {"fact_id": d["fact_id"], "superseded_by": d["superseded_by"]}
        for d in by_type["fact.superseded"]
    ]
    assert sorted(d["insight_id"] for d in by_type["insight.created"]) == sorted(
        i["id"] for i in insights
    )
    # The delivery log: one row per event, delivered on the first try.
    assert len(rows) == len(events)
    assert all(r["status"] == "delivered" and r["attempts"] == 1 for r in rows)
    assert all(r["log"][0]["status_code"] == 200 and r["log"][0]["error"] is None for r in rows)
    assert all(r["log"][0]["latency_ms"] >= 0 for r in rows)
    assert receiver.at(elsewhere) == []
    # The README's verification snippet accepts a real delivery, and only it.
    verify, item = readme_verify(), got[0]
    assert verify(SECRET, item.headers["kenning-signature"], item.body)
    assert not verify(SECRET, item.headers["kenning-signature"], item.body + b" ")
    assert not verify("another-secret-0123456789", item.headers["kenning-signature"], item.body)


def test_a_receiver_failing_twice_gets_the_event_on_the_third_try(
    client: httpx.Client, receiver: Receiver
) -> None:
    space, path = fresh("flaky"), f"/{fresh('flaky')}"
    receiver.fail_first[path] = 2
    hook = register(client, receiver.url + path, ["job.completed"], space)
    job = ingest(client, space, "Ann works at Acme.")
    [ok] = receiver.wait_for(path, 1, status=200)
    tries = receiver.at(path)
    assert [t.status for t in tries] == [500, 500, 200]
    assert {t.event["id"] for t in tries} == {ok.event["id"]}
    assert [t.headers["kenning-delivery-attempt"] for t in tries] == ["1", "2", "3"]
    assert ok.event["data"]["job_id"] == job["id"]
    assert signed(ok)

    [row] = settled(client, hook["id"])
    assert (row["status"], row["attempts"]) == ("delivered", 3)
    assert [a["status_code"] for a in row["log"]] == [200, 500, 500]
    assert [a["error"] for a in row["log"]] == [None, "HTTP 500", "HTTP 500"]
    metrics = client.get("/metrics").text
    retries = re.search(r'kenning_webhook_deliveries_total\{outcome="retry"\} (\S+)', metrics)
    assert retries is not None
    assert float(retries.group(1)) >= 2


def test_webhooks_are_listed_without_secrets_and_deleted(
    client: httpx.Client, receiver: Receiver
) -> None:
    answer = client.post(
        "/v1/webhooks", json={"url": receiver.url + "/gen", "events": ["job.failed"]}
    )
    assert answer.status_code == 201, answer.text
    hook = answer.json()
    assert re.fullmatch(r"whsec_[0-9a-f]{64}", hook["secret"])
    listed = {h["id"]: h for h in client.get("/v1/webhooks").json()}
    assert "secret" not in listed[hook["id"]]
    assert listed[hook["id"]]["events"] == ["job.failed"]
    assert client.delete(f"/v1/webhooks/{hook['id']}").status_code == 204
    assert client.delete(f"/v1/webhooks/{hook['id']}").status_code == 404
    assert client.get(f"/v1/webhooks/{hook['id']}/deliveries").status_code == 404
    assert hook["id"] not in {h["id"] for h in client.get("/v1/webhooks").json()}

    bad = client.post("/v1/webhooks", json={"url": receiver.url, "events": ["job.done"]})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"].startswith("events")
    short = client.post(
        "/v1/webhooks", json={"url": receiver.url, "events": ["job.failed"], "secret": "x"}
    )
    assert short.status_code == 422
    assert short.json()["error"]["field"] == "secret"


def test_a_job_event_whose_outbox_write_failed_is_delivered_by_the_sweep(
    client: httpx.Client, receiver: Receiver
) -> None:
    """The gap between a job's last episode settling and its event's outbox
    write: the write fails (a real store fault, as a crash there would leave
    it), and the owed event still arrives, once."""
    space, path = fresh("gap"), f"/{fresh('gap')}"
    hook = register(client, receiver.url + path, ["job.completed"], space)
    original = WebhookQueries.enqueue_webhook_events
    worker_failed = threading.Event()

    async def faulty(self: Any, scope: Scope, events: Any, now: Any) -> int:
        # Every job event of the space fails until the ingest worker's own
        # write (right after the settle) has failed; then the store heals.
        if scope.space == space and not worker_failed.is_set():
            if any(f.function == "episodes_settled" for f in inspect.stack()):
                worker_failed.set()
            raise StoreUnavailable("injected: the outbox write after the settle")
        return await original(self, scope, events, now)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WebhookQueries, "enqueue_webhook_events", faulty)
        job = ingest(client, space, "Ann moved to Braga.")
        assert job["done"] == 1
        assert worker_failed.wait(60)
    [ok] = receiver.wait_for(path, 1, status=200)
    assert ok.event["type"] == "job.completed"
    assert ok.event["data"]["job_id"] == job["id"]
    assert signed(ok)
    [row] = settled(client, hook["id"])
    assert (row["status"], row["event_id"]) == ("delivered", ok.event["id"])


def test_a_job_of_duplicates_only_is_completed_at_submit_and_reported_once(
    client: httpx.Client, receiver: Receiver
) -> None:
    """No worker ever claims a job whose episodes were all stored already:
    its job.completed is recorded before the submit answers."""
    space, path = fresh("dups"), f"/{fresh('dups')}"
    hook = register(client, receiver.url + path, ["job.completed", "job.failed"], space)
    episodes = [{"speaker": "Ann", "content": "Ann plays the cello.", "idempotency_key": "k1"}]
    keyed = client.post("/v1/episodes", json={"space": space, "episodes": episodes})
    assert keyed.status_code == 202, keyed.text
    original = wait_for_job(client, keyed.json()["job_id"])
    receiver.wait_for(path, 1, status=200)

    again = client.post("/v1/episodes", json={"space": space, "episodes": episodes})
    assert again.status_code == 202, again.text
    assert (again.json()["created"], again.json()["duplicates"]) == (0, 1)
    # In the outbox when the submit answers, not only after a sweep.
    assert len(client.get(f"/v1/webhooks/{hook['id']}/deliveries").json()) == 2
    repeat = client.get(f"/v1/jobs/{again.json()['job_id']}").json()
    assert (repeat["total"], repeat["done"], repeat["pending"]) == (1, 1, 0)

    receiver.wait_for(path, 2, status=200)
    rows = settled(client, hook["id"])
    got = receiver.at(path)
    assert Counter(r.event["data"]["job_id"] for r in got) == {original["id"]: 1, repeat["id"]: 1}
    assert {r.event["type"] for r in got} == {"job.completed"}
    assert [r["status"] for r in rows] == ["delivered", "delivered"]


# -- one engine: restarts and the SSRF rule (apps on their own data dirs) ------------


def test_a_restart_mid_delivery_loses_nothing(tmp_path: Path, receiver: Receiver) -> None:
    settings = load_settings(data_dir=tmp_path / "data", **FAST)
    held, later = f"/{fresh('held')}", f"/{fresh('later')}"
    gate = threading.Event()
    receiver.hold[held] = gate
    receiver.fail_first[later] = 1000  # fails until the restart
    space = fresh("restart")
    with webhook_app(settings) as url, httpx.Client(base_url=url, timeout=60) as client:
        first = register(client, receiver.url + held, ["job.completed"], space)
        second = register(client, receiver.url + later, ["job.completed"], space)
        job = ingest(client, space, "Ann lives in Porto.")
        receiver.wait_for(later, 1, status=500)
        deadline = time.monotonic() + 60
        while held not in receiver.arrived:  # the request is in flight, unanswered
            assert time.monotonic() < deadline
            time.sleep(0.05)
    # Stopped mid-delivery: one request held open, one event waiting for a retry.
    receiver.fail_first[later] = 0
    gate.set()
    with webhook_app(settings) as url, httpx.Client(base_url=url, timeout=60) as client:
        for hook, path in ((first, held), (second, later)):
            [row] = settled(client, hook["id"])
            assert row["status"] == "delivered", row
            ok = receiver.wait_for(path, 1, status=200)
            assert {r.event["data"]["job_id"] for r in ok} == {job["id"]}
            # At least once: the held event may arrive twice, always with one id.
            assert len({r.event["id"] for r in receiver.at(path)}) == 1
            assert all(signed(r) for r in receiver.at(path))


REFUSED = [
    ("http://127.0.0.1:8080/hook", "loopback"),
    ("http://10.1.2.3/hook", "private-range"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://localhost:8080/hook", "loopback"),  # a name resolving to loopback
    ("http://[::1]/hook", "loopback"),
    ("ftp://example.com/hook", "http:// or https://"),
    ("file:///etc/passwd", "http:// or https://"),
]


def test_private_targets_are_refused_at_registration_and_at_delivery(
    tmp_path: Path, receiver: Receiver
) -> None:
    path, space = f"/{fresh('ssrf')}", fresh("ssrf")
    allowed = load_settings(data_dir=tmp_path / "data", **FAST)
    with webhook_app(allowed) as url, httpx.Client(base_url=url, timeout=60) as client:
        hook = register(client, receiver.url + path, ["job.completed"], space)
    refusing = load_settings(data_dir=tmp_path / "data", **{**FAST, "webhook_allow_private": False})
    with webhook_app(refusing) as url, httpx.Client(base_url=url, timeout=60) as client:
        for target, rule in REFUSED:
            answer = client.post("/v1/webhooks", json={"url": target, "events": ["job.failed"]})
            assert answer.status_code == 422, (target, answer.text)
            error = answer.json()["error"]
            assert (error["field"], rule in error["message"]) == ("url", True), (target, error)
        # Registered while allowed, the loopback target is refused when sent.
        ingest(client, space, "Ann lives in Faro.")
        deadline = time.monotonic() + 60
        while True:
            rows = client.get(f"/v1/webhooks/{hook['id']}/deliveries").json()
            if rows and rows[0]["log"]:
                break
            assert time.monotonic() < deadline
            time.sleep(0.1)
        attempt = rows[0]["log"][0]
        assert attempt["status_code"] is None
        assert "loopback" in attempt["error"]
    assert receiver.at(path) == []


def readme_verify() -> Any:
    """The ``verify`` function of the README's snippet, run as written."""
    section = README.read_text("utf-8").split("## Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)
    return namespace["verify"]

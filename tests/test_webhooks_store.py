"""The webhook store on both engines (the fixtures of
tests/test_store_contract.py): one outbox row per (webhook, event), leases
that two workers never share, attempts, the delivery log, settled jobs."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from kenning.domain.ids import new_id
from kenning.domain.models import Scope
from kenning.store.webhooks_port import AttemptOutcome, OutboxEvent
from kenning.webhooks.models import DeliveryAttempt, Webhook
from tests import test_store_contract as contract
from tests.test_store_contract import T0, add, new_episode

falkordb_backend = contract.falkordb_backend
neo4j_backend = contract.neo4j_backend
tenant_prefix = contract.tenant_prefix
backend = contract.backend
store = contract.store
tenant = contract.tenant
scope = contract.scope

LEASE = timedelta(seconds=60)


async def hook(store: Any, tenant: str, events: list[str], spaces: list[str] | None) -> Webhook:
    webhook = Webhook(
        id=new_id("whk"),
        url="http://127.0.0.1:9/h",
        events=events,  # type: ignore[arg-type]
        spaces=spaces,
        created_at=T0,
    )
    await store.create_webhook(tenant, webhook, "s3cret-" + webhook.id)
    return webhook


def event(kind: str) -> OutboxEvent:
    ident = new_id("ev")
    return OutboxEvent(ident, kind, json.dumps({"id": ident, "type": kind}))


def entry(attempt: int, code: int | None, error: str | None = None) -> str:
    return DeliveryAttempt(
        attempt=attempt, at=T0, status_code=code, latency_ms=1.5, error=error
    ).model_dump_json()


async def test_an_event_makes_one_row_per_webhook_wanting_it(store: Any, scope: Scope) -> None:
    jobs = await hook(store, scope.tenant, ["job.completed"], [scope.space])
    facts = await hook(store, scope.tenant, ["fact.superseded", "job.completed"], None)
    other_space = await hook(store, scope.tenant, ["job.completed"], ["elsewhere"])
    other_tenant = await hook(store, scope.tenant + "-x", ["job.completed"], None)
    done, superseded = event("job.completed"), event("fact.superseded")

    assert await store.webhooks_listening(scope, ["job.failed", "job.completed"])
    assert not await store.webhooks_listening(scope, ["insight.created"])
    assert await store.enqueue_webhook_events(scope, [done, superseded], T0) == 3
    # The same events again (a retried batch): no new rows.
    assert await store.enqueue_webhook_events(scope, [done, superseded], T0) == 3
    rows = {
        w.id: await store.list_webhook_deliveries(scope.tenant, w.id, 10)
        for w in (jobs, facts, other_space)
    }
    assert [d.event_id for d in rows[jobs.id]] == [done.id]
    assert sorted(d.event_id for d in rows[facts.id]) == sorted([done.id, superseded.id])
    assert rows[other_space.id] == []
    assert await store.list_webhook_deliveries(scope.tenant + "-x", other_tenant.id, 10) == []
    first = rows[jobs.id][0]
    assert (first.status, first.attempts, first.space, first.log) == ("pending", 0, scope.space, [])


async def test_a_leased_row_is_sent_by_one_worker_until_its_lease_runs_out(
    store: Any, scope: Scope
) -> None:
    webhook = await hook(store, scope.tenant, ["job.failed"], None)
    events = [event("job.failed") for _ in range(6)]
    await store.enqueue_webhook_events(scope, events, T0)
    tenants = [scope.tenant]

    # Two workers at once: every row goes to exactly one of them.
    a, b = await asyncio.gather(
        store.claim_webhook_deliveries(10, T0, T0 + LEASE, "a", tenants),
        store.claim_webhook_deliveries(10, T0, T0 + LEASE, "b", tenants),
    )
    assert sorted(r.event_id for r in a + b) == sorted(e.id for e in events)
    assert not {r.id for r in a} & {r.id for r in b}
    claimed = (a + b)[0]
    assert (claimed.url, claimed.secret) == (webhook.url, "s3cret-" + webhook.id)
    assert await store.claim_webhook_deliveries(10, T0 + LEASE / 2, T0 + LEASE, "c", tenants) == []

    # The lease ran out (a worker died): another takes the rows again, and
    # the first can no longer record a try on them.
    later = T0 + LEASE
    again = await store.claim_webhook_deliveries(10, later, later + LEASE, "c", tenants)
    assert len(again) == 6
    row = again[0]
    holder = "a" if row.id in {r.id for r in a} else "b"
    retry_at = later + timedelta(seconds=30)
    pending = AttemptOutcome("pending", retry_at, entry(1, 500, "HTTP 500"))
    assert not await store.record_webhook_attempt(scope.tenant, row.id, holder, pending, later)
    assert await store.record_webhook_attempt(scope.tenant, row.id, "c", pending, later)
    # Not due before its next try; due then.
    soon = later + timedelta(seconds=10)
    assert row.id not in {
        r.id for r in await store.claim_webhook_deliveries(10, soon, soon + LEASE, "d", tenants)
    }
    due = await store.claim_webhook_deliveries(10, retry_at, retry_at + LEASE, "d", tenants)
    assert [(r.id, r.attempts) for r in due if r.id == row.id] == [(row.id, 1)]
    delivered = AttemptOutcome("delivered", None, entry(2, 204))
    assert await store.record_webhook_attempt(scope.tenant, row.id, "d", delivered, retry_at)

    [log] = [
        d
        for d in await store.list_webhook_deliveries(scope.tenant, webhook.id, 10)
        if d.id == row.id
    ]
    assert (log.status, log.attempts, log.delivered_at, log.next_attempt_at) == (
        "delivered",
        2,
        retry_at,
        None,
    )
    assert [(a.attempt, a.status_code, a.error) for a in log.log] == [
        (2, 204, None),
        (1, 500, "HTTP 500"),
    ]
    # Delivered rows are never claimed again.
    end = retry_at + LEASE * 10
    assert row.id not in {
        r.id for r in await store.claim_webhook_deliveries(10, end, end + LEASE, "e", tenants)
    }


async def test_deleting_a_webhook_drops_its_rows(store: Any, scope: Scope) -> None:
    webhook = await hook(store, scope.tenant, ["job.completed"], None)
    await store.enqueue_webhook_events(scope, [event("job.completed")], T0)
    assert [w.id for w in await store.list_webhooks(scope.tenant)] == [webhook.id]
    assert (await store.get_webhook(scope.tenant, webhook.id)) == webhook
    assert await store.get_webhook(scope.tenant + "-x", webhook.id) is None
    assert await store.delete_webhook(scope.tenant, webhook.id)
    assert not await store.delete_webhook(scope.tenant, webhook.id)
    assert await store.list_webhooks(scope.tenant) == []
    assert await store.list_webhook_deliveries(scope.tenant, webhook.id, 10) == []
    far = T0 + LEASE * 100
    assert await store.claim_webhook_deliveries(10, far, far + LEASE, "a", [scope.tenant]) == []


async def test_settled_jobs_are_those_whose_episodes_all_finished(store: Any, scope: Scope) -> None:
    ids = await add(store, scope, "one", "two")
    assert await store.settled_jobs(scope, ids) == []
    await store.fail_episodes(scope.tenant, ids[:1], "bad input")
    assert await store.settled_jobs(scope, ids) == []  # one still pending
    await store.fail_episodes(scope.tenant, ids[1:], "worse input")
    [job] = await store.settled_jobs(scope, ids[1:])
    assert (job.total, job.done, job.failed, job.errors) == (2, 0, 2, ["bad input", "worse input"])
    assert await store.settled_jobs(Scope(tenant=scope.tenant, space="other"), ids) == []


async def test_a_finished_job_is_owed_until_marked_and_again_after_a_retry(
    store: Any, scope: Scope
) -> None:
    job_id = new_id("job")
    refs = await store.add_episodes(scope, job_id, [new_episode("one"), new_episode("two")], T0)
    ids = [r.id for r in refs]
    assert await owed(store, scope) == []  # still pending: not finished
    await store.fail_episodes(scope.tenant, ids, "bad input")
    [job] = await owed(store, scope)
    assert (job.id, job.total, job.failed) == (job_id, 2, 2)
    assert await store.mark_jobs_reported(scope, [job_id]) == 1
    assert await owed(store, scope) == []
    # A retry queues the episodes again: once finished, the job is owed again.
    assert await store.retry_failed_episodes(scope.tenant, job_id) == 2
    assert await owed(store, scope) == []
    assert await store.mark_jobs_reported(scope, [job_id]) == 0  # not finished: stays owed
    await store.fail_episodes(scope.tenant, ids, "bad again")
    assert [j.id for j in await owed(store, scope)] == [job_id]


async def owed(store: Any, scope: Scope) -> list[Any]:
    return [job for s, job in await store.unreported_jobs(100, [scope.tenant]) if s == scope]

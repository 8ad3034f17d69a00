"""WebhookStore over the Cypher library, written once for both engines.

Mixed into :class:`~kenning.store.base.CypherStore`. Query text:
``cypher/common/webhooks/``. A delivery's log is a list of JSON strings (a
property cannot hold maps on either engine), one per try.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from kenning.domain.models import STORED, JobStatus, Scope
from kenning.store.mixin import QueryMixin, Row
from kenning.store.webhooks_port import AttemptOutcome, ClaimedDelivery, OutboxEvent
from kenning.webhooks.models import Delivery, Webhook

#: Queries this mixin needs; the loader fails at start if one is missing.
WEBHOOK_QUERIES: tuple[str, ...] = tuple(
    f"webhooks/{name}"
    for name in (
        "create",
        "list",
        "get",
        "delete",
        "listening",
        "enqueue",
        "settled_jobs",
        "unreported_jobs",
        "mark_reported",
        "claim",
        "record_attempt",
        "deliveries",
    )
)


class WebhookQueries(QueryMixin):
    """WebhookStore methods over the Cypher library."""

    def _webhook_of(self, row: Row) -> Webhook:
        data = dict(row)
        data["created_at"] = self._instant_from_db(data["created_at"])
        data["events"] = list(data["events"])
        data["spaces"] = None if data.get("spaces") is None else list(data["spaces"])
        return Webhook.model_validate(data, context=STORED)

    async def create_webhook(self, tenant: str, webhook: Webhook, secret: str) -> None:
        """See :meth:`WebhookStore.create_webhook`."""
        params = {
            "tenant": tenant,
            "id": webhook.id,
            "url": webhook.url,
            "events": list(webhook.events),
            "spaces": webhook.spaces,
            "secret": secret,
            "created_at": webhook.created_at,
        }
        await self._query("webhooks/create", params, write=True)

    async def list_webhooks(self, tenant: str) -> list[Webhook]:
        """See :meth:`WebhookStore.list_webhooks`."""
        rows = await self._query("webhooks/list", {"tenant": tenant})
        return [self._webhook_of(r) for r in rows]

    async def get_webhook(self, tenant: str, webhook_id: str) -> Webhook | None:
        """See :meth:`WebhookStore.get_webhook`."""
        rows = await self._query("webhooks/get", {"tenant": tenant, "id": webhook_id})
        return self._webhook_of(rows[0]) if rows else None

    async def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        """See :meth:`WebhookStore.delete_webhook`."""
        params = {"tenant": tenant, "id": webhook_id}
        rows = await self._query("webhooks/delete", params, write=True)
        return bool(rows and rows[0]["deleted"])

    async def webhooks_listening(self, scope: Scope, events: Sequence[str]) -> bool:
        """See :meth:`WebhookStore.webhooks_listening`."""
        params = {**self._scope(scope), "events": list(events)}
        rows = await self._query("webhooks/listening", params)
        return bool(rows and rows[0]["listening"])

    async def enqueue_webhook_events(
        self, scope: Scope, events: Sequence[OutboxEvent], now: datetime
    ) -> int:
        """See :meth:`WebhookStore.enqueue_webhook_events`."""
        if not events:
            return 0
        rows = [{"id": e.id, "type": e.type, "payload": e.payload} for e in events]
        params = {**self._scope(scope), "events": rows, "now": now}
        answer = await self._query("webhooks/enqueue", params, write=True)
        return int(answer[0]["queued"]) if answer else 0

    def _finished_job(self, row: Row) -> JobStatus:
        statuses = list(row["statuses"])
        return JobStatus.model_validate(
            {
                "id": row["id"],
                "space": row["space"],
                "created_at": self._instant_from_db(row["created_at"]),
                "total": row["total"],
                "pending": 0,
                "processing": 0,
                "done": statuses.count("done"),
                "failed": statuses.count("failed"),
                "errors": sorted({e for e in row["errors"] if e}),
            },
            context=STORED,
        )

    async def settled_jobs(self, scope: Scope, episode_ids: Sequence[str]) -> list[JobStatus]:
        """See :meth:`WebhookStore.settled_jobs`."""
        params = {**self._scope(scope), "ids": list(episode_ids)}
        rows = await self._query("webhooks/settled_jobs", params)
        return [self._finished_job(row) for row in rows]

    async def unreported_jobs(
        self, limit: int, tenants: Sequence[str] = ()
    ) -> list[tuple[Scope, JobStatus]]:
        """See :meth:`WebhookStore.unreported_jobs`."""
        params = {"limit": limit, "tenants": list(tenants)}
        rows = await self._query("webhooks/unreported_jobs", params)
        return [
            (Scope(tenant=row["tenant"], space=row["space"]), self._finished_job(row))
            for row in rows
        ]

    async def mark_jobs_reported(self, scope: Scope, job_ids: Sequence[str]) -> int:
        """See :meth:`WebhookStore.mark_jobs_reported`."""
        if not job_ids:
            return 0
        params = {**self._scope(scope), "ids": list(job_ids)}
        rows = await self._query("webhooks/mark_reported", params, write=True)
        return int(rows[0]["marked"]) if rows else 0

    async def claim_webhook_deliveries(
        self,
        limit: int,
        now: datetime,
        until: datetime,
        holder: str,
        tenants: Sequence[str] = (),
    ) -> list[ClaimedDelivery]:
        """See :meth:`WebhookStore.claim_webhook_deliveries`."""
        params = {
            "limit": limit,
            "now": now,
            "until": until,
            "holder": holder,
            "tenants": list(tenants),
        }
        rows = await self._query("webhooks/claim", params, write=True)
        return [ClaimedDelivery(**r) for r in rows]

    async def record_webhook_attempt(
        self, tenant: str, delivery_id: str, holder: str, outcome: AttemptOutcome, now: datetime
    ) -> bool:
        """See :meth:`WebhookStore.record_webhook_attempt`."""
        params = {
            "tenant": tenant,
            "id": delivery_id,
            "holder": holder,
            "status": outcome.status,
            "next_attempt_at": outcome.next_attempt_at,
            "entry": outcome.entry,
            "now": now,
        }
        return bool(await self._query("webhooks/record_attempt", params, write=True))

    async def list_webhook_deliveries(
        self, tenant: str, webhook_id: str, limit: int
    ) -> list[Delivery]:
        """See :meth:`WebhookStore.list_webhook_deliveries`."""
        params = {"tenant": tenant, "webhook_id": webhook_id, "limit": limit}
        out = []
        for row in await self._query("webhooks/deliveries", params):
            data = dict(row)
            for name in ("created_at", "next_attempt_at", "delivered_at"):
                data[name] = self._instant_or_none(data.get(name))
            if data["status"] != "pending":  # kept set only to avoid storing a null
                data["next_attempt_at"] = None
            data["log"] = [json.loads(e) for e in reversed(list(data.get("log") or []))]
            out.append(Delivery.model_validate(data))
        return out

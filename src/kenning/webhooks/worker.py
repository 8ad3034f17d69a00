"""The delivery worker: sends due outbox rows, signed, at least once.

It runs as an asyncio task of the app. Each round it leases up to ``batch``
due rows (``webhooks/claim``; a lease of ``lease_s`` keeps two processes from
sending one row at once), POSTs them concurrently with a short timeout,
records each try in the row's log and schedules the next one:

    next try = now + min(backoff_max_s, backoff_base_s * 2 ** (attempt - 1))

A 2xx answer delivers the row; anything else (another status, a timeout, a
refused connection, a target refused by the SSRF rule at delivery time) is
retried until ``max_attempts`` tries, then the row is ``failed``. A process
that dies mid-try leaves the lease to run out; the row is then sent again
with the same ``Kenning-Event-Id`` (receivers de-duplicate on it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx

from kenning import __version__
from kenning.domain.ids import new_id
from kenning.domain.models import utcnow
from kenning.errors import InputError, StoreBusy, StoreUnavailable
from kenning.store.webhooks_port import AttemptOutcome, ClaimedDelivery, WebhookStore
from kenning.webhooks import signing
from kenning.webhooks.models import DeliveryAttempt, DeliveryStatus
from kenning.webhooks.ssrf import check_url

log = logging.getLogger(__name__)

#: Reports each try: ``observer(outcome, seconds)``, outcome ``delivered``,
#: ``retry`` or ``failed`` (see :class:`kenning.observability.Metrics`).
DeliveryObserver = Callable[[str, float], None]
#: Longest error text kept in a delivery log line.
ERROR_MAX_CHARS = 300


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """Bounds of delivery, from ``KENNING_WEBHOOK_*`` (see config.py)."""

    allow_private: bool = False
    timeout_s: float = 5.0
    max_attempts: int = 8
    backoff_base_s: float = 10.0
    backoff_max_s: float = 3600.0
    lease_s: float = 60.0
    poll_s: float = 1.0
    batch: int = 16

    def backoff(self, attempt: int) -> timedelta:
        """Wait after failed try number ``attempt`` (1-based)."""
        return timedelta(seconds=min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1)))


class DeliveryWorker:
    """Leases due outbox rows and sends them.

    Args:
        store: The webhook store port (also the queue).
        settings: Timeouts, retries, backoff and lease.
        tenants: Tenants whose rows it sends; empty: all (``KENNING_WORKER_TENANTS``).
    """

    def __init__(
        self, store: WebhookStore, settings: DeliverySettings, tenants: Sequence[str] = ()
    ) -> None:
        self._store = store
        self._settings = settings
        self._tenants = tuple(tenants)
        self._observer: DeliveryObserver | None = None
        #: Names this worker's leases.
        self.id = new_id("wh")

    def set_observer(self, observer: DeliveryObserver | None) -> None:
        """Report every try to ``observer`` from now on; None stops."""
        self._observer = observer

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """Lease and send one batch; returns how many rows it leased.

        Raises:
            StoreUnavailable, StoreBusy: the store is down or busy (leases
                taken run out and are taken again).
        """
        now = utcnow()
        until = now + timedelta(seconds=self._settings.lease_s)
        claimed = await self._store.claim_webhook_deliveries(
            self._settings.batch, now, until, self.id, self._tenants
        )
        await asyncio.gather(*(self._deliver(client, row) for row in claimed))
        return len(claimed)

    async def _deliver(self, client: httpx.AsyncClient, row: ClaimedDelivery) -> None:
        attempt = row.attempts + 1
        started = time.perf_counter()
        status_code, error = await self._send(client, row, attempt)
        seconds = time.perf_counter() - started
        now = utcnow()
        status: DeliveryStatus = "pending"
        next_at = None
        if error is None:
            status = "delivered"
        elif attempt >= self._settings.max_attempts:
            status = "failed"
        else:
            next_at = now + self._settings.backoff(attempt)
        entry = DeliveryAttempt(
            attempt=attempt,
            at=now,
            status_code=status_code,
            latency_ms=round(seconds * 1000, 1),
            error=error,
        )
        outcome = AttemptOutcome(status, next_at, entry.model_dump_json())
        kept = await self._store.record_webhook_attempt(row.tenant, row.id, self.id, outcome, now)
        if not kept:
            log.warning("webhook delivery %s: lease ran out during the try", row.id)
        if self._observer is not None:
            self._observer("retry" if status == "pending" else status, seconds)

    async def _send(
        self, client: httpx.AsyncClient, row: ClaimedDelivery, attempt: int
    ) -> tuple[int | None, str | None]:
        """POST the row once: ``(status code or None, error or None)``."""
        body = row.payload.encode()
        try:
            # Checked again now: the name may resolve elsewhere than at
            # registration (DNS rebinding); the request goes to the address checked.
            target = await check_url(row.url, self._settings.allow_private)
        except InputError as exc:
            return None, str(exc)[:ERROR_MAX_CHARS]
        headers = {
            "Host": target.host,
            "Content-Type": "application/json",
            "User-Agent": f"Kenning-Webhooks/{__version__}",
            signing.EVENT_ID_HEADER: row.event_id,
            signing.EVENT_TYPE_HEADER: row.event,
            signing.ATTEMPT_HEADER: str(attempt),
            signing.SIGNATURE_HEADER: signing.signature_header(row.secret, int(time.time()), body),
        }
        hostname = urlsplit(row.url).hostname or target.address
        try:
            response = await client.post(
                target.url,
                content=body,
                headers=headers,
                extensions={"sni_hostname": hostname},
            )
        except (httpx.HTTPError, httpx.InvalidURL, UnicodeError, ValueError) as exc:
            # A URL or header httpx cannot send (e.g. a non-ASCII host) fails
            # this try like a refused connection does, never the worker.
            return None, f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS]
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"

    async def run_forever(self, wake: asyncio.Event) -> None:
        """Send rounds until cancelled; when idle, sleep ``poll_s`` s or until
        ``wake`` is set; back off up to 10 s while the store is down."""
        s = self._settings
        timeout = httpx.Timeout(s.timeout_s)
        # Redirects are not followed: a 3xx could point anywhere (SSRF).
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            backoff = s.poll_s
            while True:
                try:
                    busy = await self.run_once(client)
                    backoff = s.poll_s
                except (StoreUnavailable, StoreBusy) as exc:
                    log.warning(
                        "webhook outbox not answering, retrying in %.1f s: %s", backoff, exc
                    )
                    busy, backoff = 0, min(backoff * 2, 10.0)
                except Exception as exc:  # a bad row or a bug must not stop delivery
                    log.error("webhook delivery round failed: %s", exc, exc_info=exc)
                    busy, backoff = 0, min(backoff * 2, 10.0)
                if busy:
                    continue
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=backoff)

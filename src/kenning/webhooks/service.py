"""Registering, listing and removing webhooks; reading their delivery logs."""

from __future__ import annotations

from kenning.domain.ids import new_id
from kenning.domain.models import utcnow
from kenning.errors import InputError, NotFound
from kenning.store.webhooks_port import WebhookStore
from kenning.webhooks.models import Delivery, Webhook, WebhookCreate, WebhookCreated
from kenning.webhooks.signing import new_secret
from kenning.webhooks.ssrf import check_url

#: Most webhooks one tenant may register.
MAX_WEBHOOKS_PER_TENANT = 100


class WebhookService:
    """Webhooks of a tenant.

    Args:
        store: The webhook store port.
        allow_private: Accept private, loopback and link-local targets
            (``KENNING_WEBHOOK_ALLOW_PRIVATE``; off by default).
    """

    def __init__(self, store: WebhookStore, allow_private: bool = False) -> None:
        self._store = store
        self._allow_private = allow_private

    async def create(self, tenant: str, request: WebhookCreate) -> WebhookCreated:
        """Register a webhook; the answer holds its secret (given or generated),
        which is never answered again.

        Raises:
            InputError: the URL is not http(s), has no host, does not resolve,
                or resolves to a refused address (field ``url``); the tenant
                has :data:`MAX_WEBHOOKS_PER_TENANT` already (field ``url``).
        """
        await check_url(request.url, self._allow_private)
        if len(await self._store.list_webhooks(tenant)) >= MAX_WEBHOOKS_PER_TENANT:
            raise InputError(f"at most {MAX_WEBHOOKS_PER_TENANT} webhooks per tenant", "url")
        webhook = Webhook(
            id=new_id("whk"),
            url=request.url,
            events=sorted(set(request.events)),
            spaces=sorted(set(request.spaces)) if request.spaces is not None else None,
            created_at=utcnow(),
        )
        secret = request.secret or new_secret()
        await self._store.create_webhook(tenant, webhook, secret)
        return WebhookCreated(**webhook.model_dump(), secret=secret)

    async def list_all(self, tenant: str) -> list[Webhook]:
        """The tenant's webhooks, oldest first."""
        return await self._store.list_webhooks(tenant)

    async def delete(self, tenant: str, webhook_id: str) -> None:
        """Remove a webhook and its undelivered events.

        Raises:
            NotFound: no such webhook in the tenant.
        """
        if not await self._store.delete_webhook(tenant, webhook_id):
            raise NotFound(f"no webhook {webhook_id}")

    async def deliveries(self, tenant: str, webhook_id: str, limit: int) -> list[Delivery]:
        """The webhook's newest ``limit`` deliveries with their tries.

        Raises:
            NotFound: no such webhook in the tenant.
        """
        if await self._store.get_webhook(tenant, webhook_id) is None:
            raise NotFound(f"no webhook {webhook_id}")
        return await self._store.list_webhook_deliveries(tenant, webhook_id, limit)

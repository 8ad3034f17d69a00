"""Webhooks over REST: register, list, remove, and read delivery logs.

Admin keys only: a webhook receives events of every space of the tenant (or
of the spaces it names), so a member key, which may read only its own spaces,
must not register one (403 ``forbidden``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from kenning.api.deps import PrincipalDep, RuntimeDep, require_admin
from kenning.api.rest.responses import BODY, COMMON, errors
from kenning.domain.models import ItemId as ItemIdType
from kenning.webhooks.models import Delivery, Webhook, WebhookCreate, WebhookCreated

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=COMMON)


async def admin_tenant(caller: PrincipalDep) -> str:
    """The tenant of an admin caller (see the module docstring).

    Raises:
        Forbidden: 403 for a member key.
    """
    require_admin(caller)
    return caller.tenant


AdminTenant = Annotated[str, Depends(admin_tenant)]
WebhookId = Annotated[ItemIdType, Path(description="A webhook id (`whk_…`).")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses={**BODY, **errors(403)},
)
async def create_webhook(
    body: WebhookCreate, tenant: AdminTenant, rt: RuntimeDep
) -> WebhookCreated:
    """Register a webhook for the caller's tenant. The answer holds the
    signing secret (the one sent, or a generated one); it is not shown again.
    422 (field ``url``) for a URL that is not http(s), does not resolve, or
    resolves to a private, loopback or link-local address (unless
    KENNING_WEBHOOK_ALLOW_PRIVATE)."""
    return await rt.webhooks.create(tenant, body)


@router.get("", response_model=list[Webhook], responses=errors(403))
async def list_webhooks(tenant: AdminTenant, rt: RuntimeDep) -> list[Webhook]:
    """The tenant's webhooks, oldest first (secrets left out)."""
    return await rt.webhooks.list_all(tenant)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(403, 404))
async def delete_webhook(webhook_id: WebhookId, tenant: AdminTenant, rt: RuntimeDep) -> Response:
    """Remove a webhook; its undelivered events are dropped."""
    await rt.webhooks.delete(tenant, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries", response_model=list[Delivery], responses=errors(403, 404))
async def list_deliveries(
    webhook_id: WebhookId,
    tenant: AdminTenant,
    rt: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Most deliveries answered.")] = 100,
) -> list[Delivery]:
    """The webhook's newest deliveries (one per event), each with its tries
    newest first: attempt number, HTTP status code, latency in ms, error."""
    return await rt.webhooks.deliveries(tenant, webhook_id, limit)

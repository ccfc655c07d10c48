"""HTTP edge of the webhooks context: deliveries (list, inspect, replay) and the signing secret."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Path, Query

from kycgate.core.auth import TenantId
from kycgate.core.lazy import lazy_module
from kycgate.core.page_queries import CursorQuery, PageQuery, PageSizeQuery
from kycgate.core.routes import RouteTable
from kycgate.webhooks.schemas import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookDeliveryDetail,
    WebhookDeliveryListResponse,
    WebhookSecret,
)

if TYPE_CHECKING:
    from kycgate.webhooks import service
else:
    service = lazy_module("kycgate.webhooks.service")

routes = RouteTable(prefix="/api/v1/webhooks", tags=["webhooks"])

DeliveryId = Annotated[
    str,
    Path(
        pattern=r"^msg_[0-9a-f]{32}$",
        description="the delivery id, also sent as the `webhook-id` header",
        examples=["msg_0b0f6d7c2f0a4d8e9c1b2a3f4e5d6c7b"],
    ),
]


@routes.get("/deliveries", operation_id="list_webhook_deliveries", response_model=WebhookDeliveryListResponse)
def list_webhook_deliveries(
    tenant_id: TenantId,
    status: Annotated[DeliveryStatus | None, Query(description="pending, delivered or failed")] = None,
    event: Annotated[str | None, Query(max_length=100, description="the callback's event name")] = None,
    reference: Annotated[str | None, Query(max_length=200, description="your reference the callback is about")] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
    cursor: CursorQuery = None,
) -> WebhookDeliveryListResponse:
    """Your webhook deliveries, newest first; without filters, follow pagination.cursor for the next page."""
    return service.list_deliveries(
        tenant_id, status=status, event=event, reference=reference, page=page, page_size=page_size, cursor=cursor
    )


@routes.get("/deliveries/{delivery_id}", operation_id="get_webhook_delivery", response_model=WebhookDeliveryDetail)
def get_webhook_delivery(delivery_id: DeliveryId, tenant_id: TenantId) -> WebhookDeliveryDetail:
    """One delivery with its payload and every attempt (time, status code, latency, error)."""
    return service.get_delivery(tenant_id, delivery_id)


@routes.post(
    "/deliveries/{delivery_id}/retry",
    operation_id="retry_webhook_delivery",
    response_model=WebhookDelivery,
    status_code=202,
)
def retry_webhook_delivery(delivery_id: DeliveryId, tenant_id: TenantId) -> WebhookDelivery:
    """Replay a delivered or failed delivery with the same `webhook-id` and a fresh retry schedule.
    409 while it is still pending."""
    return service.replay(tenant_id, delivery_id)


@routes.get("/secret", operation_id="get_webhook_secret", response_model=WebhookSecret)
def get_webhook_secret(tenant_id: TenantId) -> WebhookSecret:
    """The secret that signs your webhooks (created on first use). Verify `webhook-signature` with it."""
    return service.get_secret(tenant_id)


@routes.post("/secret/rotate", operation_id="rotate_webhook_secret", response_model=WebhookSecret)
def rotate_webhook_secret(tenant_id: TenantId) -> WebhookSecret:
    """Replace the signing secret. The previous one keeps signing beside the new one (space-separated
    signatures) until `previous_secret_expires_at`, so you can switch your verifier without a gap."""
    return service.rotate_secret(tenant_id)

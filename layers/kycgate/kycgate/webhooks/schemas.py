"""Wire models of the webhooks context: deliveries, their attempts, and the tenant's signing secret."""

from typing import Any, Literal

from pydantic import Field

from kycgate.core.pagination import KycPagination
from kycgate.core.wire import WireModel

DeliveryStatus = Literal["pending", "delivered", "failed"]


class WebhookAttempt(WireModel):
    attempt: int = Field(description="1-based, counted over the delivery's whole life (replays continue it)")
    attempted_at: str
    status_code: int | None = Field(None, description="the receiver's HTTP status; null when none arrived")
    latency_ms: int
    error: str | None = Field(None, description="why the attempt failed; null on success")
    response_excerpt: str | None = Field(None, description="the start of the receiver's reply body")


class WebhookDelivery(WireModel):
    delivery_id: str = Field(description="also the `webhook-id` header, the same on every attempt and replay")
    event: str
    reference: str
    url: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: str | None = Field(None, description="when a pending delivery is retried")
    last_attempt_at: str | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    failure_reason: str | None = Field(
        None,
        description="machine-readable cause of `failed`: retries_exhausted, receiver_gone (HTTP 410), or the "
        "callback URL refusal reason (e.g. private_address)",
    )
    failure_detail: str | None = None
    replay_count: int = 0
    created_at: str
    updated_at: str
    delivered_at: str | None = None
    failed_at: str | None = None


class WebhookDeliveryDetail(WebhookDelivery):
    payload: dict[str, Any] = Field(description="the JSON body POSTed (byte for byte what was signed)")
    attempts: list[WebhookAttempt]


class WebhookDeliveryListResponse(WireModel):
    data: list[WebhookDelivery]
    pagination: KycPagination


class WebhookSecret(WireModel):
    secret: str = Field(description="`whsec_...`; verify `webhook-signature` with any Standard Webhooks library")
    created_at: str
    rotated_at: str | None = None
    previous_secret_expires_at: str | None = Field(
        None, description="until then the previous secret also signs every webhook (space-separated signatures)"
    )

"""Rules of the tenant webhook API: list, inspect and replay deliveries; read and rotate the signing
secret. No HTTP and no boto3 (api.py and store.py); the worker's rules are in delivery.py."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from kycgate.core import clock, listing
from kycgate.core.errors import Conflict, NotFound
from kycgate.core.listing import ListQuery
from kycgate.core.settings import get_settings
from kycgate.webhooks import outbox, signing, store
from kycgate.webhooks.outbox import DeliveryRef
from kycgate.webhooks.schemas import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryDetail,
    WebhookDeliveryListResponse,
    WebhookSecret,
)
from kycgate.webhooks.secrets import first_secret, previous_live

_ROTATE_TRIES = 3


# ------------------------------------------------------------------------------------------ tenant API


def list_deliveries(
    tenant_id: str,
    *,
    status: DeliveryStatus | None,
    event: str | None,
    reference: str | None,
    page: int,
    page_size: int,
    cursor: str | None = None,
) -> WebhookDeliveryListResponse:
    if status is None and event is None and reference is None:
        query = ListQuery(outbox.deliveries_index_pk(tenant_id))
        total = partial(store.deliveries_total, tenant_id)
        found = listing.list_page(tenant_id, query, page=page, page_size=page_size, cursor=cursor, total=total)
    else:
        items = store.list_deliveries(tenant_id, status=status, event=event, reference=reference)
        found = listing.in_memory_page(items, page=page, page_size=page_size, cursor=cursor)
    return WebhookDeliveryListResponse(data=[_view(item) for item in found.items], pagination=found.pagination)


def get_delivery(tenant_id: str, delivery_id: str) -> WebhookDeliveryDetail:
    delivery = store.get_delivery(DeliveryRef(tenant_id, delivery_id))
    if delivery is None:
        raise _not_found(delivery_id)
    return WebhookDeliveryDetail(
        **_view(delivery).model_dump(),
        payload=json.loads(delivery["body"]),
        attempts=[WebhookAttempt.model_validate(a) for a in delivery.get("attempts", [])],
    )


def replay(tenant_id: str, delivery_id: str) -> WebhookDelivery:
    """Queue a delivered or failed delivery again with the same id (so receivers can de-duplicate),
    for a fresh round of the retry schedule."""
    ref = DeliveryRef(tenant_id, delivery_id)
    reset, delivery = store.reset_for_replay(ref, clock.now())
    if delivery is None:
        raise _not_found(delivery_id)
    if not reset:
        if delivery["status"] == "pending":
            raise Conflict(
                f"Webhook delivery {delivery_id} is still pending (attempt {delivery['attempt_count'] + 1} is "
                "scheduled); only a delivered or failed delivery can be replayed."
            )
        raise Conflict(
            f"Webhook delivery {delivery_id} has been attempted {delivery['attempt_count']} times, the most "
            f"one delivery may have ({store.MAX_ATTEMPTS}); send a new event instead."
        )
    outbox.enqueue([ref])
    return _view(delivery)


def replay_failed(tenant_id: str | None) -> list[str]:
    """Replay every failed delivery (of one tenant, or all); returns the replayed ids."""
    replayed = [ref for ref in store.failed_refs(tenant_id) if store.reset_for_replay(ref, clock.now())[0]]
    outbox.enqueue(replayed)
    return [ref.delivery_id for ref in replayed]


def is_failed(ref: DeliveryRef) -> bool:
    delivery = store.get_delivery(ref)
    return delivery is not None and delivery["status"] == "failed"


def _not_found(delivery_id: str) -> NotFound:
    return NotFound(f"No webhook delivery {delivery_id}; list yours with GET /api/v1/webhooks/deliveries.")


def _view(item: dict[str, Any]) -> WebhookDelivery:
    next_attempt_at = item.get("next_attempt_at") if item["status"] == "pending" else None
    last = (item.get("attempts") or [{}])[-1]
    return WebhookDelivery(
        delivery_id=item["delivery_id"],
        event=item["event"],
        reference=item["reference"],
        url=item["url"],
        status=item["status"],
        attempt_count=item["attempt_count"],
        next_attempt_at=clock.iso(next_attempt_at) if next_attempt_at else None,
        last_attempt_at=last.get("attempted_at"),
        last_status_code=last.get("status_code"),
        last_error=last.get("error"),
        failure_reason=item.get("failure_reason"),
        failure_detail=item.get("failure_detail"),
        replay_count=item.get("replay_count", 0),
        created_at=item["created_at"],
        updated_at=item["updated_at"],
        delivered_at=item.get("delivered_at"),
        failed_at=item.get("failed_at"),
    )


# ------------------------------------------------------------------------------------------ secrets


def get_secret(tenant_id: str) -> WebhookSecret:
    now = clock.now()
    return _secret_view(store.get_secret(tenant_id) or first_secret(tenant_id, now), now)


def rotate_secret(tenant_id: str) -> WebhookSecret:
    """A new current secret; the old one keeps signing beside it until the overlap ends, so receivers
    can switch at leisure. Rotating again within the overlap retires the oldest secret at once."""
    overlap = get_settings().webhook_secret_overlap_seconds
    for _ in range(_ROTATE_TRIES):
        now = clock.now()
        item = store.get_secret(tenant_id) or first_secret(tenant_id, now)
        new_secret = signing.new_secret()
        if store.rotate_secret(
            tenant_id,
            expected_version=item["version"],
            new_secret=new_secret,
            previous=item["current"],
            previous_expires_at=now + overlap,
            now=now,
        ):
            rotated = {
                "current": new_secret,
                "created_at": clock.iso(now),
                "rotated_at": clock.iso(now),
                "previous": item["current"],
                "previous_expires_at": now + overlap,
            }
            return _secret_view(rotated, now)
    raise Conflict("The webhook secret was rotated concurrently; fetch it with GET /api/v1/webhooks/secret.")


def _secret_view(item: dict[str, Any], now: float) -> WebhookSecret:
    return WebhookSecret(
        secret=item["current"],
        created_at=item["created_at"],
        rotated_at=item.get("rotated_at"),
        previous_secret_expires_at=clock.iso(item["previous_expires_at"]) if previous_live(item, now) else None,
    )

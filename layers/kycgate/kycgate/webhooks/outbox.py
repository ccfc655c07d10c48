"""Transactional outbox: a state change and its `pending` webhook delivery commit together.

Callers build their own TransactWriteItems, add one ``PendingDelivery.put`` per callback, and call
``commit``. The delivery id goes to CallbackQueue only after the commit; if that send is lost, the
outbox sweeper finds the delivery through the sparse pending index and sends it again. Nothing is
delivered that was not committed, and nothing committed is lost.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple, TypeVar

from kycgate.core import aws, clock, counters, ids, sequences
from kycgate.core.dynamo import ddb, records_table, to_item
from kycgate.core.logs import logger
from kycgate.core.settings import get_settings
from kycgate.core.tenants import tenant_pk

# GSI2 partitions. A pending delivery's GSI2SK is "<when the sweeper may next look at it>#<id>":
# its creation, then its lease end while an attempt is in flight, then its next retry time. Failed
# deliveries move to their own partition so `kycgate deliveries replay --failed` finds them directly.
PENDING_INDEX_PK = "OUTBOX#PENDING"
DELIVERIES_COUNTER = "WEBHOOK_DELIVERIES"
FAILED_INDEX_PK = "OUTBOX#FAILED"

T = TypeVar("T")


class DeliveryRef(NamedTuple):
    """What travels on CallbackQueue: enough to load the delivery, nothing of its content."""

    tenant_id: str
    delivery_id: str


class PendingDelivery(NamedTuple):
    """A delivery to commit with a state change: its reference and its TransactWriteItems entry."""

    tenant_id: str
    delivery_id: str
    put: dict[str, Any]  # a TransactWriteItems entry

    @property
    def ref(self) -> DeliveryRef:
        return DeliveryRef(self.tenant_id, self.delivery_id)


def delivery_pk(tenant_id: str, delivery_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#DLV#{delivery_id}"


def deliveries_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#DELIVERIES"


def sweep_key(epoch_seconds: float, delivery_id: str) -> str:
    """GSI2SK: ISO timestamps of one format sort as strings, so the sweeper queries with ``<``."""
    return f"{clock.iso(epoch_seconds)}#{delivery_id}"


def message_body(ref: DeliveryRef) -> str:
    return json.dumps({"tenant_id": ref.tenant_id, "delivery_id": ref.delivery_id})


def parse_message(body: str) -> DeliveryRef | None:
    """The delivery a CallbackQueue message names, or None for a message not in that shape."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    tenant_id, delivery_id = data.get("tenant_id"), data.get("delivery_id")
    if not (isinstance(tenant_id, str) and tenant_id and isinstance(delivery_id, str) and delivery_id):
        return None
    return DeliveryRef(tenant_id=tenant_id, delivery_id=delivery_id)


def ref_from_pk(pk: str) -> DeliveryRef:
    """The delivery a table key names (GSI2 projects keys only)."""
    tenant_part, _, delivery_id = pk.rpartition("#DLV#")
    return DeliveryRef(tenant_id=tenant_part.removeprefix("T#"), delivery_id=delivery_id)


def new_delivery(
    tenant_id: str, *, event: str, reference: str, url: str, payload: Mapping[str, Any]
) -> PendingDelivery:
    """A pending delivery of ``payload`` to ``url``; its body bytes are fixed now and signed as is."""
    delivery_id = ids.new_id("msg")
    epoch = clock.now()
    now = clock.iso(epoch)
    item = {
        "PK": delivery_pk(tenant_id, delivery_id),
        "SK": "DELIVERY",
        "GSI1PK": deliveries_index_pk(tenant_id),
        "GSI1SK": f"{now}#{delivery_id}",
        # Sparse index: only pending (and failed) deliveries carry these, so the sweeper reads nothing else.
        "GSI2PK": PENDING_INDEX_PK,
        "GSI2SK": sweep_key(epoch, delivery_id),
        "delivery_id": delivery_id,
        "tenant_id": tenant_id,
        "event": event,
        "reference": reference,
        "url": url,
        "body": json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
        "status": "pending",
        "attempt_count": 0,
        # Attempts since the delivery was last queued (a replay starts a new round of the schedule).
        "round_attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    put = {
        "Put": {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
    }
    return PendingDelivery(tenant_id=tenant_id, delivery_id=delivery_id, put=put)


def commit(transact_items: Sequence[dict[str, Any]], deliveries: Sequence[PendingDelivery]) -> None:
    """One DynamoDB transaction for the change, its deliveries and their count (the deliveries list's
    total), then the queue send. Run again when DynamoDB cancels it for a concurrent transaction on one
    of its items (core.counters: every write of a tenant touches its counter items)."""
    items = [*transact_items, *delivery_puts(deliveries)]
    if items:
        counters.retry_conflicts(partial(ddb().transact_write_items, TransactItems=items))
    enqueue([d.ref for d in deliveries])


def create_with_next_id(
    tenant_id: str,
    kind: str,
    build: Callable[[int], tuple[T, Sequence[dict[str, Any]], Sequence[PendingDelivery]]],
) -> T:
    """``commit`` for a record numbered by core.sequences: ``build(new_id)`` gives the record, its
    TransactWriteItems entries and its deliveries; they commit with the counter's step (retried as
    sequences.create_with_next_id retries, so ``build`` may run more than once), then the last build's
    deliveries are queued. The record the last build made."""
    built: list[tuple[T, Sequence[PendingDelivery]]] = []

    def items(new_id: int) -> list[dict[str, Any]]:
        record, transact_items, deliveries = build(new_id)
        built[:] = [(record, deliveries)]
        return [*transact_items, *delivery_puts(deliveries)]

    sequences.create_with_next_id(tenant_id, kind, items)
    record, deliveries = built[0]
    enqueue([d.ref for d in deliveries])
    return record


def delivery_puts(deliveries: Sequence[PendingDelivery]) -> list[dict[str, Any]]:
    """The deliveries' TransactWriteItems entries with the counter update of each tenant's deliveries."""
    per_tenant = Counter(d.tenant_id for d in deliveries)
    moved = [counters.updates(tenant, {DELIVERIES_COUNTER: {"total": n}}) for tenant, n in per_tenant.items()]
    return [*(d.put for d in deliveries), *(entry for entries in moved for entry in entries)]


def enqueue(deliveries: Sequence[DeliveryRef]) -> None:
    """Send delivery ids to CallbackQueue. A failure here is logged, not raised: the state change has
    committed, so the caller must see success, and the sweeper re-sends what did not arrive."""
    queue_url = get_settings().callback_queue_url
    if not deliveries or not queue_url:
        return
    entries = [{"Id": str(i), "MessageBody": message_body(d)} for i, d in enumerate(deliveries)]
    try:
        for start in range(0, len(entries), 10):
            result = aws.client("sqs").send_message_batch(QueueUrl=queue_url, Entries=entries[start : start + 10])
            if result.get("Failed"):
                logger.warning(
                    "outbox enqueue partly failed; the sweeper will resend", extra={"failed": len(result["Failed"])}
                )
    except Exception:
        logger.exception("outbox enqueue failed; the sweeper will resend")

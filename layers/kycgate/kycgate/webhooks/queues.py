"""CallbackQueue and CallbackDLQ operations of the worker and the CLI (sending new work is outbox's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kycgate.core import aws
from kycgate.core.logs import logger
from kycgate.core.settings import get_settings
from kycgate.webhooks.outbox import parse_message

_DLQ_RECONCILE_BATCHES = 100
_DLQ_INSPECT_SECONDS = 60


def hide(receipt_handle: str, seconds: int, queue_url: str | None = None) -> None:
    """Keep a received message out of sight for ``seconds``. A failure is logged only: the message then
    reappears after the queue's visibility timeout and its next receipt hides it again."""
    try:
        aws.client("sqs").change_message_visibility(
            QueueUrl=queue_url or get_settings().callback_queue_url,
            ReceiptHandle=receipt_handle,
            VisibilityTimeout=seconds,
        )
    except Exception:
        logger.exception("could not hide a webhook message; it returns after the queue's visibility timeout")


def dead_letter(body: str, reason: str | None, queue_url: str | None = None) -> None:
    """Copy a message to CallbackDLQ (raises on failure, so the caller keeps the original).

    The worker does this itself for a delivery it has given up on: the redrive policy would only move
    the message after maxReceiveCount receipts, long after the delivery is known to have failed.
    """
    aws.client("sqs").send_message(
        QueueUrl=queue_url or get_settings().callback_dlq_url,
        MessageBody=body,
        MessageAttributes={"reason": {"DataType": "String", "StringValue": reason or "unknown"}},
    )


def reconcile_dlq(
    still_failed: Callable[[Any], bool],
    tenant_id: str | None,
    *,
    queue_url: str | None = None,
    parse: Callable[[str], Any] = parse_message,
) -> int:
    """Delete CallbackDLQ messages whose delivery is no longer failed (replayed); returns how many.

    Another DLQ (the gateway's DispatchDLQ) passes its ``queue_url`` and ``parse``, which turns a body
    into a reference with a ``tenant_id`` (or None), and ``still_failed`` of that reference.

    Messages looked at and kept are made visible again at once, so the DLQ depth alarm keeps seeing
    them. Malformed messages are kept for a person to read.
    """
    sqs = aws.client("sqs")
    queue_url = queue_url or get_settings().callback_dlq_url
    removed = 0
    kept: list[str] = []
    try:
        for _ in range(_DLQ_RECONCILE_BATCHES):
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=_DLQ_INSPECT_SECONDS
            ).get("Messages", [])
            if not messages:
                break
            for message in messages:
                ref = parse(message["Body"])
                settled = ref is not None and tenant_id in (None, ref.tenant_id) and not still_failed(ref)
                if settled:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                    removed += 1
                else:
                    kept.append(message["ReceiptHandle"])
    finally:
        for start in range(0, len(kept), 10):
            sqs.change_message_visibility_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for i, handle in enumerate(kept[start : start + 10])
                ],
            )
    return removed

"""webhook_worker: CallbackQueue (SQS, ReportBatchItemFailures) -> one signed POST per delivery.

A batch's records are delivered concurrently (powertools AsyncBatchProcessor, each record in a
thread), so one slow receiver costs the batch at most one timeout, not one per record. The threads
are the module's own and outlive the invocation (asyncio's default executor is new with each event
loop, and powertools runs a new loop per batch outside Lambda). The batch's tenants' signing secrets
are read once, up front (one BatchGetItem).

Per record: delivered or nothing to do -> success (SQS deletes the message); retry later -> the
message is hidden until then and reported as failed (SQS keeps it); given up -> copied to
CallbackDLQ and reported as success.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    EventType,
    async_process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from kycgate.core.coldstart import resumes_collector
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.webhooks import delivery, queues
from kycgate.webhooks.outbox import parse_message
from kycgate.webhooks.secrets import signing_secrets

# The most records SQS hands one invocation (template.yaml's BatchSize, a test keeps them equal or
# in this order); each gets a thread.
MAX_BATCH_RECORDS = 10
_RECORD_THREADS = ThreadPoolExecutor(max_workers=MAX_BATCH_RECORDS, thread_name_prefix="webhook-record")
# Records run in threads and powertools' metric set is a plain dict.
_metrics_lock = threading.Lock()


class KeepMessage(Exception):
    """Reported as a batch item failure so SQS keeps the message, hidden for as long as we set."""


@resumes_collector
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records") or []
    tenants = {ref.tenant_id for r in records if (ref := parse_message(r.get("body") or "")) is not None}
    secrets = signing_secrets(tenants)

    async def record_handler(record: SQSRecord) -> None:
        # As asyncio.to_thread does: the record runs in a copy of this context (the logger's keys).
        context = contextvars.copy_context()
        await asyncio.get_running_loop().run_in_executor(_RECORD_THREADS, context.run, _handle, record, secrets)

    # Retries are reported as item failures by design, so a batch where every item waits is normal.
    processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(async_process_partial_response(event, record_handler, processor, context))


def _handle(record: SQSRecord, secrets: Mapping[str, Sequence[str]]) -> None:
    ref = parse_message(record.body)
    if ref is None:
        logger.error("malformed webhook message sent to the DLQ", extra={"message_id": record.message_id})
        queues.dead_letter(record.body, "malformed_message")
        return
    disposition = delivery.process(ref, record.message_id, secrets.get(ref.tenant_id, ()))
    _count(disposition)
    if disposition.action == "hide":
        queues.hide(record.receipt_handle, disposition.hide_seconds)
        raise KeepMessage(f"{ref.delivery_id}: next look in {disposition.hide_seconds} s")
    if disposition.action == "dead_letter":
        queues.dead_letter(record.body, disposition.reason)


def _count(disposition: delivery.Disposition) -> None:
    if disposition.outcome is None:
        return
    with _metrics_lock:
        metrics.add_metric(name="WebhookAttempts", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="WebhookAttemptLatency", unit=MetricUnit.Milliseconds, value=disposition.latency_ms)
        if disposition.outcome == "delivered":
            metrics.add_metric(name="WebhookDelivered", unit=MetricUnit.Count, value=1)
        else:
            metrics.add_metric(name="WebhookAttemptFailures", unit=MetricUnit.Count, value=1)
        if disposition.outcome == "failed":
            metrics.add_metric(name="WebhookDeliveriesFailed", unit=MetricUnit.Count, value=1)

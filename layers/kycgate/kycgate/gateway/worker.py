"""provider_dispatch: DispatchQueue (SQS, ReportBatchItemFailures) -> one provider submission per message.

A provider outage that outlasts the adapter's own retries hands the message back to SQS, hidden for
a growing while (``dispatch_retry_seconds`` x 2^(receives-1), at most 15 min); on the
``MAX_DISPATCH_ATTEMPTS``-th receipt the application lands ``failed`` with the provider's error and
the message is copied to DispatchDLQ (its depth alarm fires; ``kycgate gateway replay --failed``
resubmits and clears it). The queue's own redrive (maxReceiveCount above this) only catches a
worker that crashes.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from kycgate.core.coldstart import resumes_collector
from kycgate.core.logs import logger
from kycgate.core.settings import get_settings
from kycgate.gateway import service
from kycgate.gateway.providers.http import DEFAULT_POLICY
from kycgate.webhooks import queues

MAX_DISPATCH_ATTEMPTS = 5
_MAX_HIDE_SECONDS = 900
# The adapters' in-call retries (gateway/providers/http.py); tests shrink the waits.
DISPATCH_POLICY = DEFAULT_POLICY


class KeepMessage(Exception):
    """Reported as a batch item failure so SQS keeps the message, hidden for as long as we set."""


@resumes_collector
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event, _handle, processor, context))


def _handle(record: SQSRecord) -> None:
    settings = get_settings()
    ref = service.parse_dispatch(record.body)
    if ref is None:
        logger.error("malformed dispatch message sent to the DLQ", extra={"message_id": record.message_id})
        queues.dead_letter(record.body, "malformed_message", settings.dispatch_dlq_url)
        return
    receives = int(record.attributes.approximate_receive_count or 1)
    seconds = min(_MAX_HIDE_SECONDS, settings.dispatch_retry_seconds * 2 ** (receives - 1))
    final_attempt = receives >= MAX_DISPATCH_ATTEMPTS
    outcome = service.dispatch(ref, final_attempt=final_attempt, retry_seconds=seconds, policy=DISPATCH_POLICY)
    if outcome == "retry":
        queues.hide(record.receipt_handle, seconds, settings.dispatch_queue_url)
        raise KeepMessage(f"{ref.id}: provider unavailable, next try in {seconds} s")
    if outcome == "dead_letter":
        queues.dead_letter(record.body, "provider_unavailable", settings.dispatch_dlq_url)

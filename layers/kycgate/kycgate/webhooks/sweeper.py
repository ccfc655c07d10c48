"""outbox_sweeper (scheduled): re-send pending deliveries whose queue message was lost."""

from __future__ import annotations

from typing import Any

from kycgate.core.coldstart import resumes_collector
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.webhooks import delivery


@resumes_collector
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    resent = delivery.sweep_outbox()
    if resent:
        metrics.add_metric(name="OutboxResent", unit=MetricUnit.Count, value=resent)
    return {"resent": resent}

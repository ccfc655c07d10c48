"""outbox_sweeper (scheduled): re-send pending deliveries whose queue message was lost."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from kycgate.core.logs import logger
from kycgate.webhooks import delivery

metrics = Metrics(namespace="kycgate", service="kycgate")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    resent = delivery.sweep_outbox()
    if resent:
        metrics.add_metric(name="OutboxResent", unit=MetricUnit.Count, value=resent)
    return {"resent": resent}

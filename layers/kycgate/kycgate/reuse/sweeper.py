"""reuse_expiry_sweeper (scheduled): the ``expired`` callback of each Re-Use KYC session that lapsed unfinished."""

from __future__ import annotations

from typing import Any

from kycgate.core.coldstart import resumes_collector
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.reuse import service


@resumes_collector
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    expired = service.send_expiry_callbacks()
    if expired:
        metrics.add_metric(name="ReuseKycExpiryCallbacks", unit=MetricUnit.Count, value=expired)
    return {"expired": expired}

"""dispatch_sweeper (scheduled): re-send the dispatch of pending applications whose queue message was lost."""

from __future__ import annotations

from typing import Any

from kycgate.core.coldstart import resumes_collector
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.gateway import service


@resumes_collector
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    resent = service.sweep_pending()
    if resent:
        metrics.add_metric(name="DispatchResent", unit=MetricUnit.Count, value=resent)
    return {"resent": resent}

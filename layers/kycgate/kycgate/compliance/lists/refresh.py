"""refresh_lists (scheduled, disabled unless ListsRefreshEnabled): fetch the official list files
(``lists`` setting), compile one index and publish it, or nothing when no file changed.

A bad or truncated file, a fetch that fails or a source that shrank publishes nothing: the live
index stays, the error is logged with the file and the problem, and the invocation fails (the
template's RefreshListsErrorsAlarm counts it).
"""

from __future__ import annotations

from typing import Any

from kycgate.core.coldstart import resumes_collector
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics


@resumes_collector
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from kycgate.compliance.lists.importer import import_lists
    from kycgate.compliance.lists.model import ListFileError
    from kycgate.core.settings import get_settings

    try:
        result = import_lists(get_settings().lists)
    except ListFileError as exc:
        metrics.add_metric(name="ListsRefreshFailed", unit=MetricUnit.Count, value=1)
        logger.error(
            "lists refresh failed; the live index is unchanged", extra={"origin": exc.origin, "problem": exc.problem}
        )
        raise
    summary = result.summary()
    metrics.add_metric(name="ListsRefreshes", unit=MetricUnit.Count, value=1)
    if result.status == "published":
        metrics.add_metric(name="ListsPublished", unit=MetricUnit.Count, value=1)
    logger.info("lists refresh", extra={"status": result.status, "version": result.version})
    return summary

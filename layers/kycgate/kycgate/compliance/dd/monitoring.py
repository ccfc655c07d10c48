"""Ongoing monitoring of DD tasks: re-screen a task when its next_review_at is due, and every monitored
task once after each list import (a new index version), since any of their hits may have changed.

A re-screening whose hits or risk differ writes report_version + 1, keeps the earlier report as its
own item and calls the task back (the seed's callback body); one that finds the same result only
moves next_review_at on. The scheduled function ``review_dd_tasks`` (template.yaml, every 15 minutes)
runs ``review``; so does ``make serve`` in the background, so a `kycgate lists import` is followed
within the interval. A task changed meanwhile (decided, metadata added) loses nothing: the write is
conditional on the task as read, and a task that lost it is taken up by the next run.
"""

from __future__ import annotations

from typing import Any

from kycgate.compliance.dd import service, store
from kycgate.compliance.lists.loader import NoListLoaded, get_index
from kycgate.compliance.screening.index import ScreeningIndex
from kycgate.core import clock
from kycgate.core.coldstart import resumes_collector
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics

_BATCH = 100


def review() -> dict[str, int]:
    """Re-screen what is due (everything monitored after a new list version): counts reviewed, changed."""
    index = get_index()
    full = store.monitored_lists_version() != index.version
    now = clock.now()
    refs = store.review_refs(None if full else clock.iso(now))
    changed = 0
    for start in range(0, len(refs), _BATCH):
        for task in store.get_tasks(refs[start : start + _BATCH]):
            changed += _review_task(task, index, now)
    if full:
        store.set_monitored_lists_version(index.version)
    return {"reviewed": len(refs), "changed": changed}


def _review_task(read: dict[str, Any], index: ScreeningIndex, now: float) -> int:
    setting = read["search_setting"]
    screened = service.screen(index, read["target"], setting)
    changed = (
        screened["hits_fingerprint"] != read["hits_fingerprint"]
        or screened["report"]["potential_risk"] != read["report"]["potential_risk"]
    )
    due = read.get("next_review_at") is not None and read["next_review_at"] <= now
    if not (changed or due):
        return 0
    next_review_at, next_review_iso = service.next_review(setting, now)
    task = {**read, "next_review_at": next_review_at, "next_review_iso": next_review_iso}
    earlier = None
    deliveries = []
    if changed:
        version = read["report_version"] + 1
        earlier = {k: read[k] for k in ("report", "hits", "hits_fingerprint", "aml_summarization", "lists_screened")}
        task.update(screened, report_version=version, update_time=int(now), completed_time=int(now))
        task["report"] = {**screened["report"], "report_version": version}
        deliveries = service.callbacks(task)
    try:
        store.replace_task(task, read, deliveries, earlier)
    except store.Conflict:
        logger.info("dd task changed during its review; the next run takes it up", extra={"task_id": read["task_id"]})
        return 0
    if changed:
        logger.info(
            "dd task result changed",
            extra={
                "tenant_id": read["tenant_id"],
                "task_id": read["task_id"],
                "report_version": task["report_version"],
            },
        )
    return int(changed)


@resumes_collector
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    try:
        counts = review()
    except NoListLoaded:
        logger.warning("dd monitoring skipped: no list loaded")
        return {"reviewed": 0, "changed": 0}
    metrics.add_metric(name="DdTasksReviewed", unit=MetricUnit.Count, value=counts["reviewed"])
    metrics.add_metric(name="DdTasksChanged", unit=MetricUnit.Count, value=counts["changed"])
    return counts

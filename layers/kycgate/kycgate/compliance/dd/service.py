"""DD task rules (seed 001, "DD - KYB & KYC"): search settings, screening a person or a company
against the sanctions lists, the one review decision, metadata, history and the callbacks.

Screening is synchronous (one list lookup is milliseconds), so a task is complete (progress 100)
when its create returns. Only source 4 (sanction list) has a data source; a task that names another
is refused, so that "no hit" never stands for "not searched". Ongoing monitoring: monitoring.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kycgate.compliance.dd import store
from kycgate.compliance.dd.schemas import (
    MAX_METADATA,
    SUPPORTED_SOURCES,
    AcceptedRequest,
    AcceptedResponse,
    AuditStatus,
    CodeResponse,
    CreateSearchSettingRequest,
    CreateSearchTaskRequest,
    MetadataPair,
    Paging,
    SearchResult,
    SearchSetting,
    SearchSettingList,
    SearchSource,
    SearchTaskDetails,
    SearchTaskHistory,
    SearchTaskKybTarget,
    SearchTaskKycTarget,
    SearchTaskSummary,
    TaskOrigin,
    UpdateSearchSettingRequest,
)
from kycgate.compliance.lists.loader import NoListLoaded, get_index
from kycgate.compliance.screening import assess, lists_screened, screen_company, screen_person
from kycgate.compliance.screening.index import ScreeningIndex
from kycgate.compliance.screening.risk import DEFAULT_MATCH_THRESHOLD
from kycgate.core import clock
from kycgate.core.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.tenants import Caller
from kycgate.webhooks import outbox
from kycgate.webhooks.callback_urls import checked_url

CALLBACK_EVENT = "dd_task"
DEFAULT_MONITORING_INTERVAL_DAYS = 30
DAY_SECONDS = 86_400
_DECIDE_ATTEMPTS = 5
_SOURCE_NAMES = {s.value: s.name.lower() for s in SearchSource}
_SUPPORTED_WORDS = ", ".join(f"{s.value} ({s.name.lower()})" for s in SUPPORTED_SOURCES)


# ---------------------------------------------------------------- search settings


def _checked_sources(field: list[str | int], sources: list[int] | None) -> list[int] | None:
    if sources is None:
        return None
    unsupported = [s for s in sources if s not in {x.value for x in SUPPORTED_SOURCES}]
    if unsupported:
        named = ", ".join(f"{s} ({_SOURCE_NAMES[s]})" if s in _SOURCE_NAMES else str(s) for s in unsupported)
        message = f"search_source {named} is not served here; supported: {_SUPPORTED_WORDS}"
        raise Unprocessable(
            f"{message}. Omit search_source to search every supported source.",
            errors=[field_error([*field, "search_source"], message, "search_source_unsupported")],
        )
    if not sources:
        return None
    return sorted(set(sources))


def _new_setting(setting_id: int, fields: dict[str, Any], *, is_default: bool) -> dict[str, Any]:
    now = int(clock.now())
    return {
        "search_setting_id": setting_id,
        "name": fields.get("name") or "Default",
        "match_threshold": fields.get("match_threshold") or DEFAULT_MATCH_THRESHOLD,
        "search_source": fields.get("search_source") or [s.value for s in SUPPORTED_SOURCES],
        "birth_date_mismatch_excludes": bool(fields.get("birth_date_mismatch_excludes")),
        "monitoring_interval_days": (
            DEFAULT_MONITORING_INTERVAL_DAYS
            if fields.get("monitoring_interval_days") is None
            else fields["monitoring_interval_days"]
        ),
        "is_default": is_default,
        "creation_time": now,
        "update_time": now,
    }


def _ensure_default(tenant_id: str) -> int:
    return store.create_default_setting(tenant_id, lambda setting_id: _new_setting(setting_id, {}, is_default=True))


def list_settings(tenant_id: str) -> SearchSettingList:
    _ensure_default(tenant_id)
    return SearchSettingList(data=[SearchSetting.model_validate(s) for s in store.list_settings(tenant_id)])


def create_setting(tenant_id: str, request: CreateSearchSettingRequest) -> SearchSetting:
    _ensure_default(tenant_id)  # the default is always the tenant's first setting
    fields = request.model_dump(exclude_none=True)
    fields["search_source"] = _checked_sources(["body"], request.search_source)
    setting = store.create_setting(tenant_id, lambda setting_id: _new_setting(setting_id, fields, is_default=False))
    return SearchSetting.model_validate(setting)


def update_setting(tenant_id: str, request: UpdateSearchSettingRequest) -> SearchSetting:
    changes = request.model_dump(exclude_none=True, exclude={"search_setting_id"})
    if "search_source" in changes:
        changes["search_source"] = _checked_sources(["body"], request.search_source) or [
            s.value for s in SUPPORTED_SOURCES
        ]
    if not changes:
        raise Unprocessable("Nothing to change: give at least one of the setting's fields.")
    changes["update_time"] = int(clock.now())
    _ensure_default(tenant_id)
    updated = store.update_setting(tenant_id, request.search_setting_id, changes)
    if updated is None:
        raise NotFound(
            f"No search setting {request.search_setting_id}; GET /api/v1/compliance/search-settings lists yours."
        )
    return SearchSetting.model_validate(updated)


def _setting(tenant_id: str, setting_id: int, field: list[str | int]) -> dict[str, Any]:
    found = store.get_setting(tenant_id, setting_id)
    if found is None and setting_id == _ensure_default(tenant_id):
        # A tenant's first task may name its default before it was ever listed, or while another first
        # request is creating it.
        found = store.get_setting(tenant_id, setting_id, consistent=True)
    if found is None:
        message = f"search setting {setting_id} does not exist; GET /api/v1/compliance/search-settings lists yours"
        raise Unprocessable(message, errors=[field_error([*field, "search_setting_id"], message, "not_found")])
    return found


def require_setting(tenant_id: str, setting_id: int, loc: list[str | int]) -> None:
    """422 at ``loc`` unless the tenant has that search setting: for a caller (IDV) that checks before
    it writes anything and creates the DD task later."""
    if store.get_setting(tenant_id, setting_id) is None and setting_id != _ensure_default(tenant_id):
        message = f"search setting {setting_id} does not exist; GET /api/v1/compliance/search-settings lists yours"
        raise Unprocessable(message, errors=[field_error(loc, message, "not_found")])


def require_lists() -> None:
    """503 while no sanctions list is loaded: for the same caller, before it writes anything."""
    _index()


def _task_setting(setting: dict[str, Any]) -> dict[str, Any]:
    """The setting as the task used it (later edits of the setting do not rewrite a task's history)."""
    keep = ("search_setting_id", "name", "match_threshold", "birth_date_mismatch_excludes", "monitoring_interval_days")
    return {k: setting[k] for k in keep}


# ---------------------------------------------------------------- screening


def _index() -> ScreeningIndex:
    try:
        return get_index()
    except NoListLoaded as missing:
        raise ServiceUnavailable(f"{missing}; no target was screened.", retry_after_seconds=60) from None


def screen(index: ScreeningIndex, target: dict[str, Any], setting: dict[str, Any]) -> dict[str, Any]:
    """The report fields of ``target`` screened with ``setting`` against ``index``."""
    if "company_name" in target:
        hits = screen_company(index, target["company_name"], target.get("country"), target.get("registration_number"))
    else:
        hits = screen_person(
            index,
            target["name"],
            target.get("birthday"),
            target.get("citizenship"),
            target.get("gender"),
            birth_date_mismatch_excludes=setting["birth_date_mismatch_excludes"],
        )
    threshold = float(setting["match_threshold"])
    screened = lists_screened(index.sources)
    risk = assess(hits, threshold, lists=screened)
    now = int(clock.now())
    return {
        "hits": [_hit_data(h) for h in (*risk.matches, *risk.possible_matches)],
        "hits_fingerprint": sorted(f"{h.uid}:{h.score:.3f}" for h in hits),
        "lists_screened": screened,
        "aml_summarization": risk.aml_summarization,
        "report": {
            "potential_risk": risk.potential_risk,
            "risk_rating": risk.rating,
            "risk_rating_label": risk.rating_label,
            "sanction_matched": risk.sanction_matched,
            "matches": len(risk.matches),
            "possible_matches": len(risk.possible_matches),
            "lists_version": index.version,
            "screened_time": now,
        },
    }


def _hit_data(hit: Any) -> dict[str, Any]:
    data = hit._asdict()
    data["programs"] = list(hit.programs)
    return data


# ---------------------------------------------------------------- tasks


def _target_data(target: SearchTaskKycTarget | SearchTaskKybTarget) -> dict[str, Any]:
    data = target.model_dump(mode="json", exclude_none=True)
    if isinstance(target, SearchTaskKycTarget) and target.gender:
        data["gender"] = {"m": "male", "f": "female"}[target.gender[0].lower()]
    return data


def next_review(setting: dict[str, Any], after: float) -> tuple[int | None, str | None]:
    days = int(setting["monitoring_interval_days"])
    if not days:
        return None, None
    moment = after + days * DAY_SECONDS
    return int(moment), clock.iso(moment)


class _Planned:
    """One validated target of a create request, ready to screen and store."""

    def __init__(self, request: CreateSearchTaskRequest, position: int, tenant_id: str, origin: TaskOrigin) -> None:
        field: list[str | int] = ["body", position]
        self.request = request
        self.setting = _setting(tenant_id, request.search_setting_id, field)
        self.sources = _checked_sources(field, request.search_source) or list(self.setting["search_source"])
        self.callback_url = checked_url("callback_url", request.callback_url)
        self.target = _target_data(request.target)
        self.origin = origin


def create_tasks(caller: Caller, requests: Sequence[CreateSearchTaskRequest]) -> list[SearchTaskSummary]:
    """Validate every target first (a bad one stores none), then screen and store each as a task."""
    if not requests:
        raise Unprocessable(
            "Give at least one search task.", errors=[field_error(["body"], "empty array", "too_short")]
        )
    planned = [
        _Planned(r, i, caller.tenant_id, TaskOrigin.IDV if r.from_idv_id else TaskOrigin.API)
        for i, r in enumerate(requests)
    ]
    index = _index()
    return [_summary(_create(caller, plan, index)) for plan in planned]


def create_task_for_idv(
    caller: Caller,
    *,
    name: str,
    birthday: date | str | None,
    citizenship: str | None,
    search_setting_id: int,
    callback_url: str | None,
    from_idv_id: int,
    customer_reference: str | None = None,
    gender: str | None = None,
) -> int:
    """A DD task from an IDV task's read identity (``auto_create_dd_task``); its task_id. Raises the API's
    problems (Unprocessable for an unknown search setting, ServiceUnavailable with no list loaded)."""
    target: dict[str, Any] = {"name": name, "birthday": birthday, "citizenship": citizenship, "gender": gender}
    request = CreateSearchTaskRequest.model_validate(
        {
            "search_setting_id": search_setting_id,
            "target": {k: v for k, v in target.items() if v is not None},
            "callback_url": callback_url,
            "customer_reference": customer_reference,
            "from_idv_id": from_idv_id,
        }
    )
    plan = _Planned(request, 0, caller.tenant_id, TaskOrigin.IDV)
    return int(_create(caller, plan, _index())["task_id"])


def _create(caller: Caller, plan: _Planned, index: ScreeningIndex) -> dict[str, Any]:
    screened = screen(index, plan.target, plan.setting)
    now = clock.now()
    next_review_at, next_review_iso = next_review(plan.setting, now)

    def build(task_id: int) -> store.NewTask:
        task = {
            "tenant_id": caller.tenant_id,
            "task_id": task_id,
            "target": plan.target,
            "search_setting": _task_setting(plan.setting),
            "search_source": plan.sources,
            "callback_url": plan.callback_url,
            "customer_reference": plan.request.customer_reference,
            "from_idv_id": plan.request.from_idv_id or 0,
            "task_origin": int(plan.origin),
            "progress": 100,
            "employee_id": caller.key_number,
            "employee_name": caller.name or None,
            "employee_account": caller.account,
            "created_at": clock.iso(now),
            "creation_time": int(now),
            "update_time": int(now),
            "completed_time": int(now),
            "audit_status": int(AuditStatus.PENDING),
            "comment": "",
            "audit_time": 0,
            "comment_logs": [],
            "metadata": [],
            "report_version": 1,
            "next_review_at": next_review_at,
            "next_review_iso": next_review_iso,
            **screened,
        }
        task["report"]["report_version"] = 1
        return task, callbacks(task)

    task = store.create_task(caller.tenant_id, build)
    logger.info(
        "dd task created",
        extra={
            "tenant_id": caller.tenant_id,
            "task_id": task["task_id"],
            "kind": "kyb" if "company_name" in plan.target else "kyc",
            "hits": len(task["hits"]),
            "potential_risk": task["report"]["potential_risk"],
        },
    )
    return task


def callbacks(task: dict[str, Any]) -> list[outbox.PendingDelivery]:
    """The seed's callback body (the task summary) to the task's callback_url, when it has one."""
    if not task.get("callback_url"):
        return []
    return [
        outbox.new_delivery(
            task["tenant_id"],
            event=CALLBACK_EVENT,
            reference=str(task["task_id"]),
            url=task["callback_url"],
            payload={"event": CALLBACK_EVENT, **_summary(task).model_dump(mode="json")},
        )
    ]


def _task(tenant_id: str, task_id: int, *, consistent: bool = False) -> dict[str, Any]:
    task = store.get_task(tenant_id, task_id, consistent=consistent)
    if task is None:
        raise NotFound(f"No search task {task_id}.")
    return task


def _summary(task: dict[str, Any]) -> SearchTaskSummary:
    return SearchTaskSummary.model_validate(
        {**task, "audit_time": task["audit_time"] or None, "metadata": task["metadata"]}
    )


def get_summary(tenant_id: str, task_id: int) -> SearchTaskSummary:
    return _summary(_task(tenant_id, task_id))


def get_details(tenant_id: str, task_id: int) -> SearchTaskDetails:
    task = _task(tenant_id, task_id)
    earlier = sorted(store.earlier_reports(tenant_id, task_id), key=lambda r: r["report"]["report_version"])
    report = task["report"]
    result = SearchResult(
        hits=task["hits"],
        match_threshold=task["search_setting"]["match_threshold"],
        lists_screened=task["lists_screened"],
        report_version=task["report_version"],
        previous_reports=[r["report"] for r in earlier],
    )
    return SearchTaskDetails.model_validate(
        {
            **task,
            "result": result,
            "sanction_matched": report["sanction_matched"],
            "completed_source": len(task["search_source"]),
            "potential_risk": report["potential_risk"],
            "risk_rating": report["risk_rating"],
            "metadata": {pair["key"]: pair["value"] for pair in task["metadata"]},
        }
    )


def set_accepted(caller: Caller, task_id: int, request: AcceptedRequest) -> AcceptedResponse:
    """The one review decision of a task: accepted or rejected, with a comment; 409 once decided."""
    # A concurrent metadata append or re-screening makes the conditional write lose: read and try again.
    for _attempt in range(_DECIDE_ATTEMPTS):
        read = _task(caller.tenant_id, task_id, consistent=True)
        if read["audit_status"] != AuditStatus.PENDING:
            raise _decided(read)
        task = _decision(read, caller, request)
        deliveries = callbacks(task)
        try:
            store.replace_task(task, read, deliveries)
            break
        except store.Conflict:
            continue
    else:
        raise ServiceUnavailable(f"Search task {task_id} is changing right now; retry shortly.")
    logger.info(
        "dd task decided", extra={"tenant_id": caller.tenant_id, "task_id": task_id, "accepted": request.accepted}
    )
    return AcceptedResponse(task_id=task_id, comment=request.comment, accepted=request.accepted)


def _decision(read: dict[str, Any], caller: Caller, request: AcceptedRequest) -> dict[str, Any]:
    now = int(clock.now())
    actor = {"employee_id": caller.key_number, "employee_name": caller.name or None, "employee_account": caller.account}
    log = {"comment": request.comment, "accepted": request.accepted, "comment_time": now, **actor}
    return {
        **read,
        "audit_status": int(AuditStatus.ACCEPTED if request.accepted else AuditStatus.REJECTED),
        "comment": request.comment,
        "audit_time": now,
        "update_time": now,
        "auditor_employee_id": actor["employee_id"],
        "auditor_employee_name": actor["employee_name"],
        "auditor_employee_account": actor["employee_account"],
        "comment_time": now,
        "comment_employee_id": actor["employee_id"],
        "comment_employee_name": actor["employee_name"],
        "comment_employee_account": actor["employee_account"],
        "comment_logs": [*read["comment_logs"], log],
    }


def _decided(task: dict[str, Any]) -> Conflict:
    verdict = "accepted" if task["audit_status"] == AuditStatus.ACCEPTED else "rejected"
    return Conflict(
        f"Search task {task['task_id']} was already {verdict}; its comment and accepted status cannot change.",
        extra={"audit_status": task["audit_status"]},
    )


def append_metadata(tenant_id: str, task_id: int, pairs: list[MetadataPair]) -> CodeResponse:
    if not pairs:
        raise Unprocessable(
            "Give at least one key/value pair.", errors=[field_error(["body"], "empty array", "too_short")]
        )
    data = [p.model_dump() for p in pairs]
    if not store.append_metadata(tenant_id, task_id, data, int(clock.now()), MAX_METADATA):
        _task(tenant_id, task_id)  # 404 when missing
        raise Conflict(f"Search task {task_id} would hold more than {MAX_METADATA} metadata pairs.")
    return CodeResponse(code=0)


def history(tenant_id: str, customer_reference: str | None, page_number: int, page_size: int) -> SearchTaskHistory:
    items = store.list_tasks(tenant_id, customer_reference)
    start = (page_number - 1) * page_size
    window = items[start : start + page_size]
    total = len(items)
    paging = Paging(page_number=page_number, page_size=page_size, total=total, total_pages=-(-total // page_size))
    return SearchTaskHistory(data=[_summary(t) for t in window], paging=paging)

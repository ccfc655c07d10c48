"""HTTP edge of DD tasks (seed 001 "DD - KYB & KYC") and search settings: requests to service calls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Path, Query

from kycgate.compliance.dd.schemas import (
    AcceptedRequest,
    AcceptedResponse,
    CodeResponse,
    CreateSearchSettingRequest,
    CreateSearchTasksRequest,
    CustomerReference,
    MetadataRequest,
    SearchSetting,
    SearchSettingList,
    SearchTaskDetails,
    SearchTaskHistory,
    SearchTaskSummary,
    UpdateSearchSettingRequest,
)
from kycgate.core.auth import CallerIdentity, TenantId
from kycgate.core.lazy import lazy_module
from kycgate.core.routes import RouteTable

if TYPE_CHECKING:
    from kycgate.compliance.dd import service
else:
    service = lazy_module("kycgate.compliance.dd.service")

routes = RouteTable(prefix="/api/v1/compliance", tags=["compliance-dd"])

TaskId = Annotated[int, Path(ge=1, le=2**53, description="the task's task_id (an integer per tenant)")]


@routes.get("/search-settings", operation_id="list_search_settings", response_model=SearchSettingList)
def list_search_settings(tenant_id: TenantId) -> SearchSettingList:
    """Your search settings, the default one (created on first use) first."""
    return service.list_settings(tenant_id)


@routes.post("/search-settings", operation_id="create_search_setting", response_model=SearchSetting, status_code=201)
def create_search_setting(body: CreateSearchSettingRequest, tenant_id: TenantId) -> SearchSetting:
    return service.create_setting(tenant_id, body)


@routes.patch("/search-settings", operation_id="update_search_setting", response_model=SearchSetting)
def update_search_setting(body: UpdateSearchSettingRequest, tenant_id: TenantId) -> SearchSetting:
    """Change the fields given; tasks already made keep the setting as it was when they were screened."""
    return service.update_setting(tenant_id, body)


@routes.post("/task", operation_id="create_search_tasks", response_model=list[SearchTaskSummary], status_code=201)
def create_search_tasks(
    body: CreateSearchTasksRequest,
    caller: CallerIdentity,
) -> list[SearchTaskSummary]:
    """Screen each target (KYC: a person; KYB: a company) against the sanctions lists and keep it as a
    task; at most 100 per request. A bad target stores none of them."""
    return service.create_tasks(caller, body.root)


@routes.get("/task/history", operation_id="get_search_task_history", response_model=SearchTaskHistory)
def get_search_task_history(
    tenant_id: TenantId,
    page_size: Annotated[int, Query(ge=1, le=100)],
    page_number: Annotated[int, Query(ge=1, le=100_000)],
    customer_reference: Annotated[CustomerReference | None, Query()] = None,
) -> SearchTaskHistory:
    """The tasks of one customer (all yours without customer_reference), newest first."""
    return service.history(tenant_id, customer_reference, page_number, page_size)


@routes.get("/task/{task_id}/summary", operation_id="get_search_task_summary", response_model=SearchTaskSummary)
def get_search_task_summary(task_id: TaskId, tenant_id: TenantId) -> SearchTaskSummary:
    return service.get_summary(tenant_id, task_id)


@routes.get("/task/{task_id}/details", operation_id="get_search_task_details", response_model=SearchTaskDetails)
def get_search_task_details(task_id: TaskId, tenant_id: TenantId) -> SearchTaskDetails:
    """Everything about the task: the hits with their explanations, the review, the earlier reports."""
    return service.get_details(tenant_id, task_id)


@routes.post("/task/{task_id}/accepted", operation_id="set_search_task_accepted", response_model=AcceptedResponse)
def set_search_task_accepted(task_id: TaskId, body: AcceptedRequest, caller: CallerIdentity) -> AcceptedResponse:
    """Accept or reject the target, once: a decided task answers 409. Calls the task's callback_url."""
    return service.set_accepted(caller, task_id, body)


@routes.post("/task/{task_id}/metadata", operation_id="set_search_task_metadata", response_model=CodeResponse)
def set_search_task_metadata(
    task_id: TaskId,
    body: MetadataRequest,
    tenant_id: TenantId,
) -> CodeResponse:
    """Append key/value pairs to the task's metadata (at most 200 per task)."""
    return service.append_metadata(tenant_id, task_id, body.root)

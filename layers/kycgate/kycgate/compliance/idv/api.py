"""HTTP edge of IDV tasks (seed 001 "ID Verification"): translate requests to service calls, nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Path, Query, Request

from kycgate.compliance.idv.schemas import (
    AccountIdvRequest,
    CreateIdvTaskRequest,
    IdvAccountInitiated,
    IdvCreated,
    IdvInitiated,
    IdvTask,
    IdvTaskFilters,
    IdvTaskListResponse,
    InitIdvRequest,
    PointsBalance,
    ReviewIdvTaskRequest,
    SdkUploadRequest,
)
from kycgate.core.auth import CallerIdentity, Reviewer, TenantId
from kycgate.core.lazy import lazy_module
from kycgate.core.page_queries import CursorQuery, PageQuery, PageSizeQuery
from kycgate.core.routes import RouteTable

if TYPE_CHECKING:
    from kycgate.compliance.idv import points, service
else:
    service = lazy_module("kycgate.compliance.idv.service")
    points = lazy_module("kycgate.compliance.idv.points")

routes = RouteTable(prefix="/api/v1/compliance", tags=["compliance-idv"])

IdvId = Annotated[int, Path(ge=1, le=2**53, description="the task's idv_task_id (an integer per tenant)")]
# Reading a document and matching faces: more memory buys the CPU OCR needs.
_CHECKING_MEMORY = 3008


@routes.post(
    "/idv", operation_id="create_idv_task", response_model=IdvCreated, status_code=201, memory_size=_CHECKING_MEMORY
)
def create_idv_task(body: CreateIdvTaskRequest, caller: CallerIdentity) -> IdvCreated:
    """Read the ID document, compare it with the expected fields and the face with the customer's, and
    keep the result (GET it, or receive it at callback_url). Needs more than 500 points; takes its cost."""
    return service.create_task(caller, body)


@routes.get("/idv/{idv_id}", operation_id="get_idv_task", response_model=IdvTask)
def get_idv_task(idv_id: IdvId, tenant_id: TenantId) -> IdvTask:
    return service.get_task(tenant_id, idv_id)


@routes.get("/idv", operation_id="list_idv_tasks", response_model=IdvTaskListResponse)
def list_idv_tasks(
    tenant_id: TenantId,
    filters: Annotated[IdvTaskFilters, Query()],
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
    cursor: CursorQuery = None,
) -> IdvTaskListResponse:
    """Your IDV tasks, newest first; without the equality filters, follow pagination.cursor for the
    next page."""
    return service.list_tasks(tenant_id, filters, page, page_size, cursor)


@routes.post("/idv/{idv_id}/review", operation_id="review_idv_task", response_model=IdvTask)
def review_idv_task(idv_id: IdvId, body: ReviewIdvTaskRequest, caller: Reviewer) -> IdvTask:
    """Accept or reject the task with a comment, once (409 afterwards); the callback follows."""
    return service.review_task(caller, idv_id, body)


@routes.post("/idv/init", operation_id="init_idv_web", response_model=IdvInitiated, status_code=201)
def init_idv_web(body: InitIdvRequest, caller: CallerIdentity, request: Request) -> IdvInitiated:
    """A task the customer completes on kycgate's hosted page (`url`). Needs more than 500 points;
    they are taken once the customer's photos are checked."""
    return service.initiate_web(caller, body, str(request.base_url))


@routes.post("/idv/account", operation_id="init_idv_account", response_model=IdvAccountInitiated, status_code=201)
def init_idv_account(body: AccountIdvRequest, caller: CallerIdentity) -> IdvAccountInitiated:
    """A task a mobile app completes with the returned `sdk_token` (POST /idv/sdk/upload)."""
    return service.initiate_account(caller, body)


@routes.post("/idv/sdk/upload", operation_id="upload_idv_photos", response_model=IdvTask, memory_size=_CHECKING_MEMORY)
def upload_idv_photos(body: SdkUploadRequest) -> IdvTask:
    """The photos of an initiated task, authorised by its token alone: checked and charged once
    (409 the second time, 404 for an unknown or expired token)."""
    return service.upload(body)


@routes.get("/points", operation_id="get_points", response_model=PointsBalance)
def get_points(tenant_id: TenantId) -> PointsBalance:
    """Your points balance."""
    return points.balance(tenant_id)

"""HTTP edge of KYA (seed 001 "DD - KYA"): translate requests to service calls, nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Path, Query

from kycgate.compliance.kya.schemas import CreateKyaTaskRequest, KyaTask, KyaTaskFilters, KyaTaskListResponse
from kycgate.core.auth import CallerIdentity, TenantId
from kycgate.core.lazy import lazy_module
from kycgate.core.page_queries import CursorQuery, PageQuery, PageSizeQuery
from kycgate.core.routes import RouteTable

if TYPE_CHECKING:
    from kycgate.compliance.kya import service
else:
    service = lazy_module("kycgate.compliance.kya.service")

routes = RouteTable(prefix="/api/v1/compliance", tags=["compliance-kya"])

KyaId = Annotated[int, Path(ge=1, le=2**53, description="the task's kya_id (an integer per tenant)")]


@routes.post("/kya", operation_id="create_kya_task", response_model=KyaTask, status_code=201)
def create_kya_task(body: CreateKyaTaskRequest, caller: CallerIdentity) -> KyaTask:
    """Validate the address for its chain (detected when not given), screen it against the sanctions lists
    and return the new task. A repeated address makes a new task with the lists as they are now."""
    return service.create_task(caller, body)


@routes.get("/kya/detail/{kya_id}", operation_id="get_kya_task", response_model=KyaTask)
def get_kya_task(kya_id: KyaId, tenant_id: TenantId) -> KyaTask:
    return service.get_task(tenant_id, kya_id)


@routes.get("/kya", operation_id="list_kya_tasks", response_model=KyaTaskListResponse)
def list_kya_tasks(
    tenant_id: TenantId,
    filters: Annotated[KyaTaskFilters, Query()],
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
    cursor: CursorQuery = None,
) -> KyaTaskListResponse:
    """Your KYA tasks, newest first; without a chain, sanctioned or customer_reference filter, follow
    pagination.cursor for the next page."""
    return service.list_tasks(tenant_id, filters, page, page_size, cursor)

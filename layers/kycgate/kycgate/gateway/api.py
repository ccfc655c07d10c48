"""HTTP edge of the provider gateway (seed 003): translate requests to service calls, nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Path, Query, Request

from kycgate.core.auth import CallerIdentity, TenantId
from kycgate.core.lazy import lazy_module
from kycgate.core.pagination import PageQuery, PageSizeQuery
from kycgate.core.routes import RouteTable
from kycgate.gateway.schemas import (
    CreateKycApplicationRequest,
    KycApplication,
    KycApplicationListResponse,
    Provider,
    Status,
    UpdateKycApplicationRequest,
    WebhookAccepted,
)

if TYPE_CHECKING:
    from kycgate.gateway import service
else:
    service = lazy_module("kycgate.gateway.service")

routes = RouteTable(prefix="/api/v1", tags=["gateway"])

ApplicationId = Annotated[
    str,
    Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", description="the application's id"),
]


@routes.post(
    "/kyc_applications", operation_id="create_gateway_kyc_application", response_model=KycApplication, status_code=201
)
def create_gateway_kyc_application(body: CreateKycApplicationRequest, caller: CallerIdentity) -> KycApplication:
    """Validate the params for the provider and type, store the application `pending` and dispatch it
    to the provider asynchronously."""
    return service.create_application(caller, body)


@routes.get(
    "/kyc_applications", operation_id="list_gateway_kyc_applications", response_model=KycApplicationListResponse
)
def list_gateway_kyc_applications(
    tenant_id: TenantId,
    status: Annotated[Status | None, Query()] = None,
    provider: Annotated[Provider | None, Query()] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> KycApplicationListResponse:
    """Your KYC applications, newest first."""
    return service.list_applications(tenant_id, status, provider, page, page_size)


@routes.get("/kyc_applications/{id}", operation_id="get_gateway_kyc_application", response_model=KycApplication)
def get_gateway_kyc_application(id: ApplicationId, tenant_id: TenantId) -> KycApplication:
    """The application, enriched with the provider's latest representation (the stored one, marked
    `provider_representation_stale`, when the provider does not answer in time)."""
    return service.get_application(tenant_id, id)


@routes.put("/kyc_applications/{id}", operation_id="update_gateway_kyc_application", response_model=KycApplication)
def update_gateway_kyc_application(
    id: ApplicationId,
    body: UpdateKycApplicationRequest,
    caller: CallerIdentity,
) -> KycApplication:
    """Move the application to `status` (a valid transition, else 409): `pending` resubmits it
    (with new `params` if given), `accepted`/`rejected` decide it by hand."""
    return service.update_application(caller, id, body)


@routes.post("/gateway/webhooks/{provider}", operation_id="receive_provider_webhook", response_model=WebhookAccepted)
async def receive_provider_webhook(provider: Provider, request: Request) -> WebhookAccepted:
    """A provider's signed webhook (no API key: its signature is checked against the tenant's
    provider credentials; anything unverifiable is a 401 and changes nothing)."""
    body = await request.body()
    return service.receive_webhook(provider, dict(request.headers), body, dict(request.query_params))

"""HTTP edge of the provider gateway (seed 003): translate requests to service calls, nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Path, Query, Request

from kycgate.core.auth import CallerIdentity, TenantId
from kycgate.core.lazy import lazy_module
from kycgate.core.page_queries import CursorQuery, PageQuery, PageSizeQuery
from kycgate.core.routes import RouteTable
from kycgate.gateway.schemas import (
    CreateProviderKycApplicationRequest,
    Provider,
    ProviderKycApplication,
    ProviderKycApplicationListResponse,
    ProviderWebhookAccepted,
    Status,
    UpdateProviderKycApplicationRequest,
)

if TYPE_CHECKING:
    from kycgate.gateway import service
else:
    service = lazy_module("kycgate.gateway.service")

routes = RouteTable(prefix="/api/v1", tags=["gateway"])

KycApplicationId = Annotated[
    str,
    Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", description="the application's id"),
]


@routes.post(
    "/kyc_applications",
    operation_id="create_gateway_kyc_application",
    response_model=ProviderKycApplication,
    status_code=201,
)
def create_gateway_kyc_application(
    body: CreateProviderKycApplicationRequest, caller: CallerIdentity
) -> ProviderKycApplication:
    """Validate the params for the provider and type, store the application `pending` and dispatch it
    to the provider asynchronously."""
    return service.create_application(caller, body)


@routes.get(
    "/kyc_applications", operation_id="list_gateway_kyc_applications", response_model=ProviderKycApplicationListResponse
)
def list_gateway_kyc_applications(
    tenant_id: TenantId,
    status: Annotated[Status | None, Query()] = None,
    provider: Annotated[Provider | None, Query()] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
    cursor: CursorQuery = None,
) -> ProviderKycApplicationListResponse:
    """Your KYC applications, newest first."""
    return service.list_applications(tenant_id, status, provider, page, page_size, cursor)


@routes.get(
    "/kyc_applications/{kyc_application_id}",
    operation_id="get_gateway_kyc_application",
    response_model=ProviderKycApplication,
)
def get_gateway_kyc_application(kyc_application_id: KycApplicationId, tenant_id: TenantId) -> ProviderKycApplication:
    """The application, enriched with the provider's latest representation (the stored one, marked
    `provider_representation_stale`, when the provider does not answer in time)."""
    return service.get_application(tenant_id, kyc_application_id)


@routes.put(
    "/kyc_applications/{kyc_application_id}",
    operation_id="update_gateway_kyc_application",
    response_model=ProviderKycApplication,
)
def update_gateway_kyc_application(
    kyc_application_id: KycApplicationId,
    body: UpdateProviderKycApplicationRequest,
    caller: CallerIdentity,
) -> ProviderKycApplication:
    """Move the application to `status` (a valid transition, else 409): `pending` resubmits it
    (with new `params` if given), `accepted`/`rejected` decide it by hand."""
    return service.update_application(caller, kyc_application_id, body)


@routes.post(
    "/gateway/webhooks/{provider}", operation_id="receive_provider_webhook", response_model=ProviderWebhookAccepted
)
async def receive_provider_webhook(provider: Provider, request: Request) -> ProviderWebhookAccepted:
    """A provider's signed webhook (no API key: its signature is checked against the tenant's
    provider credentials; anything unverifiable is a 401 and changes nothing)."""
    body = await request.body()
    return service.receive_webhook(provider, dict(request.headers), body, dict(request.query_params))

"""HTTP edge of the KYC context: translate requests to service calls, nothing more.

The rules modules are imported on first use (core.lazy): only verify_documents loads document
verification (preferences, images, faces), the link functions the link rules (preferences, URL checks),
the other functions the customer and request rules.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import Path, Query

from kycgate.core.auth import TenantId
from kycgate.core.lazy import lazy_module
from kycgate.core.page_queries import CursorQuery, PageQuery, PageSizeQuery
from kycgate.core.routes import RouteTable
from kycgate.kyc.schemas import (
    CheckKycStatusResponse,
    CreateProfileRequest,
    DocumentVerificationRequest,
    DocumentVerificationResponse,
    KycCustomerProfile,
    KycOverview,
    KycRequest,
    KycRequestFilters,
    KycRequestListResponse,
    ProfileFilters,
    ProfileListResponse,
    ProofDownloadURL,
    RequestAdditionalDocumentsRequest,
    RequestAdditionalDocumentsResponse,
    RequestKycSubmitLinkRequest,
    RequestKycSubmitLinkResponse,
    UpdateKycStatusRequest,
)
from kycgate.kyc.vocabulary import CUSTOMER_ID_PATTERN

CustomerIdPath = Annotated[str, Path(pattern=CUSTOMER_ID_PATTERN, description="your id for the customer")]
CustomerIdQuery = Annotated[str, Query(pattern=CUSTOMER_ID_PATTERN, description="your id for the customer")]
KycIdPath = Annotated[str, Path(min_length=1, max_length=64, description="the kyc_id of a KYC request")]

if TYPE_CHECKING:
    from kycgate.kyc import links, service, verification
else:
    links = lazy_module("kycgate.kyc.links")
    service = lazy_module("kycgate.kyc.service")
    verification = lazy_module("kycgate.kyc.verification")

routes = RouteTable(prefix="/api/v1/kyc", tags=["kyc"])


@routes.post("/customers", operation_id="create_customer", response_model=KycCustomerProfile, status_code=201)
def create_customer(body: CreateProfileRequest, tenant_id: TenantId) -> KycCustomerProfile:
    """Register a customer under your own customer_id (409 when it exists)."""
    return service.create_customer(tenant_id, body)


@routes.get("/customers", operation_id="list_customers", response_model=ProfileListResponse)
def list_customers(
    tenant_id: TenantId,
    filters: Annotated[ProfileFilters, Query()],
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
    cursor: CursorQuery = None,
) -> ProfileListResponse:
    """Your customers, newest first; follow pagination.cursor for the next page."""
    return service.list_customers(tenant_id, filters, page, page_size, cursor)


@routes.get("/customers/{customer_id}", operation_id="get_customer", response_model=KycCustomerProfile)
def get_customer(customer_id: CustomerIdPath, tenant_id: TenantId) -> KycCustomerProfile:
    return service.get_customer(tenant_id, customer_id)


@routes.post(
    "/documents/verify",
    operation_id="verify_documents",
    response_model=DocumentVerificationResponse,
    status_code=201,
    # Decodes up to three images and runs the face models: more memory buys proportionally more CPU.
    memory_size=2048,
)
def verify_documents(body: DocumentVerificationRequest, tenant_id: TenantId) -> DocumentVerificationResponse:
    """Compare the document's face with the selfie, check the age, and record the decision.

    The result is approved, declined (with declined_code) or in_review (a reviewer decides with
    PATCH /requests/{kyc_id}/status). With callback_url the same body is also sent as a webhook.
    """
    return verification.verify_documents(tenant_id, body)


@routes.post("/submit-link", operation_id="request_kyc_submit_link", response_model=RequestKycSubmitLinkResponse)
def request_kyc_submit_link(body: RequestKycSubmitLinkRequest, tenant_id: TenantId) -> RequestKycSubmitLinkResponse:
    """Open a KYC request (pending_submission) the customer completes on their phone: `link` is the
    hosted capture page (show it as a QR code on a desktop), `token` authorizes its handoff for 15
    minutes. While the customer's link is open, asking again returns it (same kyc_id and token)."""
    return links.request_submit_link(tenant_id, body)


@routes.post(
    "/requests/{kyc_id}/additional-documents",
    operation_id="request_additional_documents",
    response_model=RequestAdditionalDocumentsResponse,
)
def request_additional_documents(
    kyc_id: KycIdPath, body: RequestAdditionalDocumentsRequest, tenant_id: TenantId
) -> RequestAdditionalDocumentsResponse:
    """Ask the customer for more documents on an approved, declined or in_review request: it becomes
    additional_documents_requested with a new link; what they send lands on it as submitted_documents
    and it goes to in_review. While that link is open, asking again returns it."""
    return links.request_additional_documents(tenant_id, kyc_id, body)


@routes.get("/requests", operation_id="list_kyc_requests", response_model=KycRequestListResponse)
def list_kyc_requests(
    tenant_id: TenantId,
    filters: Annotated[KycRequestFilters, Query()],
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
    cursor: CursorQuery = None,
) -> KycRequestListResponse:
    """Your KYC requests, newest first; follow pagination.cursor for the next page. At most one of
    status, customer_id and document_type (422 otherwise), each with or without a created range."""
    return service.list_kyc_requests(tenant_id, filters, page, page_size, cursor)


@routes.get("/overview", operation_id="get_kyc_overview", response_model=KycOverview)
def get_kyc_overview(
    tenant_id: TenantId,
    from_date: Annotated[date | None, Query(alias="from", description="first UTC day, YYYY-MM-DD")] = None,
    to_date: Annotated[date | None, Query(alias="to", description="last UTC day, YYYY-MM-DD (default today)")] = None,
) -> KycOverview:
    """Counts by status and risk level, approvals and declines per day over from..to (default the last
    30 days), and open alerts: read from counters, at the same cost at any volume."""
    return service.get_overview(tenant_id, from_date, to_date)


@routes.get("/requests/{kyc_id}", operation_id="get_kyc_request", response_model=KycRequest)
def get_kyc_request(kyc_id: KycIdPath, tenant_id: TenantId) -> KycRequest:
    return service.get_kyc_request(tenant_id, kyc_id)


@routes.patch("/requests/{kyc_id}/status", operation_id="update_kyc_status", response_model=KycRequest)
def update_kyc_status(kyc_id: KycIdPath, body: UpdateKycStatusRequest, tenant_id: TenantId) -> KycRequest:
    """Approve or decline a request in_review (409 from any other status)."""
    return service.update_kyc_status(tenant_id, kyc_id, body)


@routes.get("/requests/{kyc_id}/proofs", operation_id="get_kyc_proofs", response_model=list[ProofDownloadURL])
def get_kyc_proofs(kyc_id: KycIdPath, tenant_id: TenantId) -> list[ProofDownloadURL]:
    """Download URLs of the request's images, valid 5 minutes."""
    return service.get_kyc_proofs(tenant_id, kyc_id)


@routes.get("/status", operation_id="check_kyc_status", response_model=CheckKycStatusResponse)
def check_kyc_status(customer_id: CustomerIdQuery, tenant_id: TenantId) -> CheckKycStatusResponse:
    """The customer's current KYC status and whether Re-Use KYC has a reference face for them."""
    return service.check_kyc_status(tenant_id, customer_id)

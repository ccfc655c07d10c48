"""HTTP edge of document verification (POST /api/v1/kyc/documents/verify)."""

from __future__ import annotations

from kycgate.core.auth import TenantId
from kycgate.core.routes import RouteTable
from kycgate.kyc import verification
from kycgate.kyc.schemas import DocumentVerificationRequest, DocumentVerificationResponse

routes = RouteTable(prefix="/api/v1/kyc", tags=["kyc"])


@routes.post(
    "/documents/verify",
    operation_id="verify_documents",
    response_model=DocumentVerificationResponse,
    status_code=201,
)
def verify_documents(body: DocumentVerificationRequest, tenant_id: TenantId) -> DocumentVerificationResponse:
    """Compare the document's face with the selfie, check the age, and record the decision.

    The result is approved, declined (with declined_code) or in_review (a reviewer decides with
    PATCH /requests/{kyc_id}/status). With callback_url the same body is also sent as a webhook.
    """
    return verification.verify_documents(tenant_id, body)

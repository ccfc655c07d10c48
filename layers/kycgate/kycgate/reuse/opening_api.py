"""HTTP edge of opening a Re-Use KYC session (POST /api/v1/kyc/reuse/sessions)."""

from __future__ import annotations

from kycgate.core.auth import TenantId
from kycgate.core.routes import RouteTable
from kycgate.reuse import opening
from kycgate.reuse.schemas import CreateReuseKycSessionRequest, CreateReuseKycSessionResponse

routes = RouteTable(prefix="/api/v1/kyc", tags=["reuse-kyc"])


@routes.post("/reuse/sessions", operation_id="create_reuse_kyc_session", response_model=CreateReuseKycSessionResponse)
def create_reuse_kyc_session(body: CreateReuseKycSessionRequest, tenant_id: TenantId) -> CreateReuseKycSessionResponse:
    """Must this customer prove it is them for this event? When yes, opens a 10-minute session
    (idempotent per reference: a live session comes back as is, with its current attempts)."""
    return opening.create_session(tenant_id, body)

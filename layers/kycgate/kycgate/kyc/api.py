"""HTTP edge of the KYC context: translate requests to service calls, nothing more."""

from __future__ import annotations

from fastapi import APIRouter

from kycgate.core.auth import TenantId
from kycgate.kyc import service
from kycgate.kyc.schemas import KycPreferences, UpdateKycPreferencesRequest

router = APIRouter(prefix="/api/v1/kyc", tags=["kyc"])


@router.get("/preferences", operation_id="get_preferences", response_model=KycPreferences)
def get_preferences(tenant_id: TenantId) -> KycPreferences:
    """The tenant's KYC preferences, with documented defaults for any never set."""
    return service.get_preferences(tenant_id)


@router.patch("/preferences", operation_id="update_preferences", response_model=KycPreferences)
def update_preferences(body: UpdateKycPreferencesRequest, tenant_id: TenantId) -> KycPreferences:
    """Partial, nested update: only the keys present change; the result is validated as a whole."""
    return service.update_preferences(tenant_id, body)

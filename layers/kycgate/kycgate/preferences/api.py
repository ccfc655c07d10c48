"""HTTP edge of preferences: translate requests to service calls, nothing more.

Served under /api/v1/kyc with the KYC context's tag, where the seed puts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kycgate.core.auth import TenantId
from kycgate.core.lazy import lazy_module
from kycgate.core.routes import RouteTable
from kycgate.preferences.schemas import KycPreferences, UpdateKycPreferencesRequest

if TYPE_CHECKING:
    from kycgate.preferences import service
else:
    service = lazy_module("kycgate.preferences.service")

routes = RouteTable(prefix="/api/v1/kyc", tags=["kyc"])


@routes.get("/preferences", operation_id="get_preferences", response_model=KycPreferences)
def get_preferences(tenant_id: TenantId) -> KycPreferences:
    """The tenant's KYC preferences, with documented defaults for any never set."""
    return service.get_preferences(tenant_id)


@routes.patch("/preferences", operation_id="update_preferences", response_model=KycPreferences)
def update_preferences(body: UpdateKycPreferencesRequest, tenant_id: TenantId) -> KycPreferences:
    """Partial, nested update: only the keys present change; the result is validated as a whole."""
    return service.update_preferences(tenant_id, body)

"""HTTP edge of Re-Use KYC alerts (/api/v1/kyc/alerts): translate requests to calls, nothing more."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from kycgate.core.auth import TenantId
from kycgate.core.pagination import PageQuery, PageSizeQuery
from kycgate.core.routes import RouteTable
from kycgate.reuse import alerts
from kycgate.reuse.schemas import KycAlert, KycAlertFilters, KycAlertListResponse, UpdateKycAlertRequest

routes = RouteTable(prefix="/api/v1/kyc", tags=["reuse-kyc"])

AlertId = Annotated[str, Path(max_length=128)]


@routes.get("/alerts", operation_id="list_kyc_alerts", response_model=KycAlertListResponse)
def list_kyc_alerts(
    tenant_id: TenantId,
    filters: Annotated[KycAlertFilters, Query()],
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> KycAlertListResponse:
    """Alerts for the dashboard, newest first."""
    return alerts.list_alerts(tenant_id, filters, page, page_size)


@routes.get("/alerts/{alert_id}", operation_id="get_kyc_alert", response_model=KycAlert)
def get_kyc_alert(alert_id: AlertId, tenant_id: TenantId) -> KycAlert:
    return alerts.get_alert(tenant_id, alert_id)


@routes.patch("/alerts/{alert_id}", operation_id="update_kyc_alert", response_model=KycAlert)
def update_kyc_alert(alert_id: AlertId, body: UpdateKycAlertRequest, tenant_id: TenantId) -> KycAlert:
    """Re-classify or move an alert through its workflow (open, in_review, resolved, dismissed)."""
    return alerts.update_alert(tenant_id, alert_id, body)

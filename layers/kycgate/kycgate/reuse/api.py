"""HTTP edge of Re-Use KYC: translate requests to service calls, nothing more.

Tenant routes take the API key; submit and the status by token are called by the customer's phone
and are authorized by the session's capability token instead (template: Auth Authorizer NONE).
The alert routes live under /api/v1/kyc beside the KYC context's own; today only Re-Use KYC raises
alerts, so they are served from here. The handoff session a Re-Use KYC session opens is served by
kycgate.handoff, which KYC submit links share. The rules modules are
imported on first use (core.lazy): opening a session (preferences, triggers, URL checks), the open
session's rules and the alerts each load only in the functions whose route calls them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Header, Path, Query

from kycgate.core.auth import TenantId
from kycgate.core.lazy import lazy_module
from kycgate.core.page_queries import CursorQuery, PageQuery, PageSizeQuery
from kycgate.core.routes import RouteTable
from kycgate.reuse.schemas import (
    CreateReuseKycSessionRequest,
    CreateReuseKycSessionResponse,
    KycAlert,
    KycAlertFilters,
    KycAlertListResponse,
    ReuseKycCallback,
    ReuseKycTokenStatus,
    SubmitReuseKycSessionRequest,
    UpdateKycAlertRequest,
)

if TYPE_CHECKING:
    from kycgate.reuse import alerts, opening, service
else:
    alerts = lazy_module("kycgate.reuse.alerts")
    opening = lazy_module("kycgate.reuse.opening")
    service = lazy_module("kycgate.reuse.service")

routes = RouteTable(prefix="/api/v1/kyc", tags=["reuse-kyc"])


@routes.post("/reuse/sessions", operation_id="create_reuse_kyc_session", response_model=CreateReuseKycSessionResponse)
def create_reuse_kyc_session(body: CreateReuseKycSessionRequest, tenant_id: TenantId) -> CreateReuseKycSessionResponse:
    """Must this customer prove it is them for this event? When yes, opens a 10-minute session
    (idempotent per reference: a live session comes back as is, with its current attempts)."""
    return opening.create_session(tenant_id, body)


@routes.post(
    "/reuse/sessions/submit",
    operation_id="submit_reuse_kyc_session",
    response_model=ReuseKycCallback,
    response_model_exclude_none=True,
    # Decodes the selfie and runs the face models (sface): more memory buys proportionally more CPU.
    memory_size=2048,
)
def submit_reuse_kyc_session(
    body: SubmitReuseKycSessionRequest, user_agent: Annotated[str | None, Header()] = None
) -> ReuseKycCallback:
    """A live selfie from the customer's phone (400 from a desktop). 409 once the session is approved or
    out of attempts, 410 once expired. The result also goes to the session's callback_url."""
    return service.submit(body.token, body.proof, body.proof_upload_id, user_agent)


@routes.get(
    "/reuse/sessions/{reference}",
    operation_id="get_reuse_kyc_session_status",
    response_model=ReuseKycCallback,
    response_model_exclude_none=True,
)
def get_reuse_kyc_session_status(
    reference: Annotated[str, Path(max_length=128)], tenant_id: TenantId
) -> ReuseKycCallback:
    """The latest result: `pending` before any submit, `expired` once the token lapsed unfinished."""
    return service.session_status(tenant_id, reference)


@routes.get(
    "/reuse/session-status/{token}",
    operation_id="get_reuse_kyc_session_status_by_token",
    response_model=ReuseKycTokenStatus,
    response_model_exclude_none=True,
)
def get_reuse_kyc_session_status_by_token(token: Annotated[str, Path(max_length=128)]) -> ReuseKycTokenStatus:
    """The same result, for the hosted capture pages that hold the session's token instead of a tenant key."""
    return service.session_status_by_token(token)


AlertId = Annotated[str, Path(max_length=128)]


@routes.get("/alerts", operation_id="list_kyc_alerts", response_model=KycAlertListResponse)
def list_kyc_alerts(
    tenant_id: TenantId,
    filters: Annotated[KycAlertFilters, Query()],
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
    cursor: CursorQuery = None,
) -> KycAlertListResponse:
    """Alerts for the dashboard, newest first."""
    return alerts.list_alerts(tenant_id, filters, page, page_size, cursor)


@routes.get("/alerts/{alert_id}", operation_id="get_kyc_alert", response_model=KycAlert)
def get_kyc_alert(alert_id: AlertId, tenant_id: TenantId) -> KycAlert:
    return alerts.get_alert(tenant_id, alert_id)


@routes.patch("/alerts/{alert_id}", operation_id="update_kyc_alert", response_model=KycAlert)
def update_kyc_alert(alert_id: AlertId, body: UpdateKycAlertRequest, tenant_id: TenantId) -> KycAlert:
    """Re-classify or move an alert through its workflow (open, in_review, resolved, dismissed)."""
    return alerts.update_alert(tenant_id, alert_id, body)

"""HTTP edge of an open Re-Use KYC session: translate requests to service calls, nothing more.

Tenant routes take the API key; submit and the handoff routes are called by the customer's phone
and are authorized by the session's capability token instead (template: Auth Authorizer NONE).
The handoff and alert routes live under /api/v1/kyc beside the KYC context's own; today only
Re-Use KYC creates handoff sessions and alerts, so they are served from here. Opening a session
(opening_api) and the alerts (alerts_api) are route tables of their own: each function imports
only its route's rules.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path

from kycgate.core.auth import TenantId
from kycgate.core.routes import RouteTable
from kycgate.reuse import service
from kycgate.reuse.schemas import (
    ConnectMobileSessionRequest,
    ConnectMobileSessionResponse,
    KycHandoffSession,
    ReuseKycCallback,
    ReuseKycTokenStatus,
    SubmitReuseKycSessionRequest,
)

routes = RouteTable(prefix="/api/v1/kyc", tags=["reuse-kyc"])


@routes.post(
    "/reuse/sessions/submit",
    operation_id="submit_reuse_kyc_session",
    response_model=ReuseKycCallback,
    response_model_exclude_none=True,
)
def submit_reuse_kyc_session(
    body: SubmitReuseKycSessionRequest, user_agent: Annotated[str | None, Header()] = None
) -> ReuseKycCallback:
    """A live selfie from the customer's phone (400 from a desktop). 409 once the session is approved or
    out of attempts, 410 once expired. The result also goes to the session's callback_url."""
    return service.submit(body.token, body.proof, user_agent)


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


@routes.get("/session/{token}", operation_id="get_handoff_session", response_model=KycHandoffSession)
def get_handoff_session(token: Annotated[str, Path(max_length=128)]) -> KycHandoffSession:
    """The desktop polls this to see `mobile_connected` flip once the phone scanned the QR code."""
    return service.handoff_session(token)


@routes.put("/session/connect", operation_id="connect_mobile_session", response_model=ConnectMobileSessionResponse)
def connect_mobile_session(body: ConnectMobileSessionRequest) -> ConnectMobileSessionResponse:
    """The phone attaches to (or, with is_disconnect, releases) a desktop-started session."""
    return service.connect_mobile(body.token, body.is_disconnect)

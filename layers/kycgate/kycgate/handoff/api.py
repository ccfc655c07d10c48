"""HTTP edge of the handoff: the routes a customer's phone and a tenant's desktop page call with the
handoff's capability token (no API key; template: Auth Authorizer NONE).

Re-Use KYC and KYC submit links share the handoff session (seed 000: "shared with the normal KYC
mobile/desktop handoff"): GET /session/{token} and PUT /session/connect serve both. The KYC submission
adds one slot per upload, the final submit and the status its page polls. The rules modules are
imported on first use (core.lazy): polling and connecting load neither Pillow, S3 nor the face models;
an upload loads Pillow and S3 (handoff.uploads); only the submit loads document verification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Path

from kycgate.core.lazy import lazy_module
from kycgate.core.routes import RouteTable
from kycgate.handoff.schemas import (
    ConnectMobileSessionRequest,
    ConnectMobileSessionResponse,
    KycHandoffSession,
    KycSubmissionStatus,
    SubmitKycHandoffRequest,
    UploadKycHandoffSlotRequest,
)

if TYPE_CHECKING:
    from kycgate.handoff import service, uploads
    from kycgate.kyc import submission
else:
    service = lazy_module("kycgate.handoff.service")
    uploads = lazy_module("kycgate.handoff.uploads")
    submission = lazy_module("kycgate.kyc.submission")

routes = RouteTable(prefix="/api/v1/kyc", tags=["handoff"])
TokenPath = Annotated[str, Path(max_length=128)]


@routes.get("/session/{token}", operation_id="get_handoff_session", response_model=KycHandoffSession)
def get_handoff_session(token: TokenPath) -> KycHandoffSession:
    """The desktop polls this: `mobile_connected` once the phone scanned the QR code, each slot's
    `filled`/`empty` as a KYC submission's photos arrive, `is_submitted` once they were sent."""
    return service.handoff_session(token)


@routes.put("/session/connect", operation_id="connect_mobile_session", response_model=ConnectMobileSessionResponse)
def connect_mobile_session(body: ConnectMobileSessionRequest) -> ConnectMobileSessionResponse:
    """The phone attaches to (or, with is_disconnect, releases) a desktop-started session."""
    return service.connect_mobile(body.token, body.is_disconnect)


@routes.get(
    "/submission-status/{token}",
    operation_id="get_kyc_submission_status",
    response_model=KycSubmissionStatus,
    response_model_exclude_none=True,
)
def get_kyc_submission_status(token: TokenPath) -> KycSubmissionStatus:
    """A KYC handoff with its token alone: the slots it asks for (what each holds), the tenant's
    message, and after the submit the result. What the hosted /kyc-submit page reads."""
    return service.submission_status(token)


@routes.post(
    "/session/upload",
    operation_id="upload_kyc_handoff_slot",
    response_model=KycSubmissionStatus,
    response_model_exclude_none=True,
)
def upload_kyc_handoff_slot(body: UploadKycHandoffSlotRequest) -> KycSubmissionStatus:
    """One slot's photo (document, document_backside, document_two, document_two_backside, address, face).
    Sending a slot again replaces its photo. 409 once submitted, 410 once expired."""
    return uploads.upload_slot(body)


@routes.post(
    "/session/submit",
    operation_id="submit_kyc_handoff",
    response_model=KycSubmissionStatus,
    response_model_exclude_none=True,
    # Decodes the documents and the selfie and runs the face models: more memory buys more CPU.
    memory_size=2048,
)
def submit_kyc_handoff(body: SubmitKycHandoffRequest) -> KycSubmissionStatus:
    """Send the filled slots: a submit link's documents are verified as POST /documents/verify verifies
    them (face, age, proof of address), additional documents go to review. 422 listing the empty
    slots, 409 the second time, 410 once expired. The KYC request's callback follows."""
    return submission.submit(body.token)

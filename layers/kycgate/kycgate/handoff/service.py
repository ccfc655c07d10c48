"""Handoff rules that read or flip the session only: the seed's handoff view, connect, and the KYC
submission's status. No HTTP, no boto3, no images: polling never loads Pillow, S3 or the face models
(the uploads are handoff.uploads, the submit kyc.submission).

Expired tokens answer 410 and unknown ones 404 on every handoff route, Re-Use KYC's and KYC's alike.
"""

from __future__ import annotations

from typing import Any

from kycgate.core import clock, ids
from kycgate.core.errors import Gone, NotFound
from kycgate.handoff import store
from kycgate.handoff.schemas import (
    SLOT_FILLED,
    ConnectMobileSessionResponse,
    HandoffPurpose,
    HandoffSlot,
    KycHandoffSession,
    KycSubmissionStatus,
    SlotView,
)
from kycgate.kyc.vocabulary import KycStatus

_WAITING = {
    HandoffPurpose.SUBMISSION: KycStatus.PENDING_SUBMISSION,
    HandoffPurpose.ADDITIONAL_DOCUMENTS: KycStatus.ADDITIONAL_DOCUMENTS_REQUESTED,
}


def handoff_session(token: str) -> KycHandoffSession:
    """Slots (filled/empty, never a URL or image), mobile_connected, is_submitted. One GetItem."""
    item = store.get_handoff(ids.digest(token))
    if item is None:
        raise NotFound("No handoff session has this token.")
    if item["expires_at"] <= clock.now():
        raise expired()
    return KycHandoffSession.model_validate(item)


def connect_mobile(token: str, is_disconnect: bool) -> ConnectMobileSessionResponse:
    """Attach (or release) the phone. One UpdateItem."""
    now = clock.now()
    try:
        item = store.set_mobile_connected(ids.digest(token), not is_disconnect, now, clock.iso(now))
    except store.HandoffGone:
        raise expired() from None
    if item is None:
        raise NotFound("No handoff session has this token.")
    return ConnectMobileSessionResponse(mobile_connected=item["mobile_connected"])


def submission_status(token: str) -> KycSubmissionStatus:
    """The KYC handoff as its page shows it: the slots asked for, the tenant's message, the result. One GetItem."""
    return status_of(kyc_handoff(token))


def kyc_handoff(token: str) -> dict[str, Any]:
    """The live KYC handoff item of ``token``: 404 for no KYC handoff (a Re-Use KYC token included), 410 expired."""
    item = store.get_handoff(ids.digest(token))
    if item is None or item.get("kind") != store.KIND_KYC:
        raise unknown()
    if item["expires_at"] <= clock.now():
        raise expired()
    return item


def status_of(item: dict[str, Any]) -> KycSubmissionStatus:
    purpose = HandoffPurpose(item["purpose"])
    plan = item["plan"]
    result = item.get("result") or {}
    return KycSubmissionStatus(
        purpose=purpose,
        slots=[
            SlotView(
                slot=entry["slot"],
                state="filled" if item[entry["slot"]] == SLOT_FILLED else "empty",
                document_type=entry["document_type"],
                side=entry.get("side"),
            )
            for entry in plan
        ],
        missing_slots=missing_slots(item),
        message=item.get("message"),
        mobile_connected=item["mobile_connected"],
        is_submitted=item["is_submitted"],
        status=result.get("status") or _WAITING[purpose],
        declined_code=result.get("declined_code"),
        redirect_url=item.get("redirect_url"),
        expires_at=clock.iso(item["expires_at"]),
    )


def missing_slots(item: dict[str, Any]) -> list[HandoffSlot]:
    return [HandoffSlot(entry["slot"]) for entry in item["plan"] if item[entry["slot"]] != SLOT_FILLED]


def unknown() -> NotFound:
    return NotFound("No KYC document submission has this token.")


def expired() -> Gone:
    return Gone("This handoff session has expired.", slug="session-expired")

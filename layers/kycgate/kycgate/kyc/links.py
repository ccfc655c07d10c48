"""Handoff links to the hosted document-capture page: a submit link opens a KYC request in
``pending_submission`` for the customer to fill from their phone (requestKycSubmitLink); a request
for additional documents reopens a decided request (RequestAdditionalDocumentsRequest). No HTTP, no
boto3, no images or faces: issuing a link loads none of verification's parts.

A link is a KYC handoff session (kycgate.handoff) with its own 256-bit token, valid 15 minutes
(``LINK_TTL_SECONDS``, decided in code: DynamoDB's TTL only cleans up). Asking again while a link is
open returns that link, as a Re-Use KYC create returns its live session: per customer for submit
links (kyc.store's open-link item), per request for additional documents. Every status change goes
through kyc.store.commit_change, conditional on the status it was decided from.

DynamoDB: submit link 3 (BatchGetItem preferences + customer, GetItem open link, TransactWriteItems;
2 when the open link is returned, 4 when it replaces a lapsed one: GetItem of the request it expires);
additional documents 3 (GetItem request, GetItem customer, TransactWriteItems; 1 when the open link is
returned).
"""

from __future__ import annotations

from typing import Any

from kycgate.core import clock, ids
from kycgate.core.errors import Conflict, NotFound, ServiceUnavailable
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.handoff import store as handoff_store
from kycgate.handoff.schemas import SLOT_EMPTY, HandoffPurpose
from kycgate.kyc import reference, requirements, service, store
from kycgate.kyc.schemas import (
    KycRequest,
    RequestAdditionalDocumentsRequest,
    RequestAdditionalDocumentsResponse,
    RequestKycSubmitLinkRequest,
    RequestKycSubmitLinkResponse,
)
from kycgate.kyc.vocabulary import KycStatus
from kycgate.pages.links import page_link
from kycgate.preferences.service import preferences_from
from kycgate.webhooks.callback_urls import checked_url

LINK_TTL_SECONDS = 15 * 60
# How long a lapsed open link is remembered, so that the next link for the customer expires its request.
OPEN_LINK_RETENTION_SECONDS = 30 * 24 * 60 * 60
CAPTURE_PAGE = "kyc-submit"
# Decided requests a tenant may ask more documents for.
REOPENABLE = frozenset({KycStatus.APPROVED, KycStatus.DECLINED, KycStatus.IN_REVIEW})


class _Link:
    """A new handoff link: its token, expiry and handoff item."""

    def __init__(self, tenant_id: str, kyc_id: str, customer_id: str, **handoff: Any) -> None:
        self.token = ids.new_token()
        self.digest = ids.digest(self.token)
        self.now = clock.now()
        self.now_iso = clock.iso(self.now)
        self.expires_at = self.now + LINK_TTL_SECONDS
        plan = handoff["plan"]
        self.slots = [entry["slot"] for entry in plan]
        self.handoff = handoff_store.new_handoff(
            tenant_id,
            created_at=self.now_iso,
            expires_at=self.expires_at,
            kind=handoff_store.KIND_KYC,
            handoff_id=ids.new_id("hof"),
            kyc_id=kyc_id,
            customer_id=customer_id,
            uploads=0,
            files={},
            **dict.fromkeys(self.slots, SLOT_EMPTY),
            **handoff,
        )

    @property
    def expires_iso(self) -> str:
        return clock.iso(self.expires_at)

    def record(self) -> dict[str, Any]:
        """The request's HANDOFF attribute: what a replay returns while the link is open."""
        return {"token": self.token, "token_digest": self.digest, "expires_at": self.expires_at, "slots": self.slots}

    def put(self) -> dict[str, Any]:
        return handoff_store.handoff_put(self.digest, self.handoff)


# ---------------------------------------------------------------- submit links


def request_submit_link(tenant_id: str, request: RequestKycSubmitLinkRequest) -> RequestKycSubmitLinkResponse:
    """A KYC request in pending_submission and the link of its capture page; the customer's open link
    when there is one (as issued: same kyc_id, token and slots)."""
    callback_url = checked_url("callback_url", request.callback_url)
    redirect_url = checked_url("redirect_url", request.redirect_url)
    stored_preferences, customer = reference.preferences_and_customer(tenant_id, request.customer_id)
    if customer is None:
        raise reference.unknown_customer(request.customer_id)
    preferences = preferences_from(tenant_id, stored_preferences)
    requirements.raise_if(
        requirements.document_type_errors(
            preferences, {"document_type": request.document_type, "document_two_type": request.document_two_type}
        )
        + requirements.document_count_errors(preferences, request.document_two_type)
        + requirements.birthday_errors(
            preferences, request.birthday or customer.get("birthday"), "here or on the customer"
        )
    )
    current = store.get_open_link(tenant_id, request.customer_id)
    if current is not None and current["link_expires_at"] > clock.now():
        return _open_link_response(current)

    kyc_id = ids.new_id("kyc")
    link = _Link(
        tenant_id,
        kyc_id,
        request.customer_id,
        purpose=HandoffPurpose.SUBMISSION.value,
        plan=requirements.submission_plan(preferences, request.document_type, request.document_two_type),
        redirect_url=redirect_url,
    )
    document = {
        "kyc_id": kyc_id,
        "customer_id": request.customer_id,
        "document_type": request.document_type.value,
        "document_two_type": request.document_two_type.value if request.document_two_type else None,
        "status": KycStatus.PENDING_SUBMISSION.value,
        "proofs": [],
        "warnings": {},
        "trigger_event": request.trigger_event,
        "locale": request.locale,
        "link_expires_at": link.expires_iso,
        "callback_url": callback_url,
        "created_at": link.now_iso,
        "updated_at": link.now_iso,
        # Applied to the customer when the documents are decided, as documents/verify applies its own.
        "birthday": request.birthday,
        store.RULES: requirements.rules_of(preferences),
        store.HANDOFF: link.record(),
    }
    pointer = {
        "customer_id": request.customer_id,
        "kyc_id": kyc_id,
        "token": link.token,
        "link_expires_at": link.expires_at,
        "required_slots": link.slots,
        "expires_at": link.expires_at + OPEN_LINK_RETENTION_SECONDS,
    }
    changes = [store.RequestChange(kyc_id, None, KycStatus.PENDING_SUBMISSION.value, document)]
    deliveries = []
    if current is not None:
        # The customer's previous link lapsed unsubmitted: its request expires as this one opens.
        lapsed, lapsed_callbacks = _expire(tenant_id, current["kyc_id"], link.now_iso)
        changes.append(lapsed)
        deliveries += lapsed_callbacks
    extra = [store.open_link_put(tenant_id, pointer, replaces=current and current["kyc_id"], now=link.now), link.put()]
    try:
        store.commit_change(tenant_id, *changes, extra=extra, deliveries=deliveries)
    except store.StaleWrite as stale:
        # Another request for the same customer opened a link first: that one is the open link.
        lost, winner = store.lost_to(stale.args[0], len(changes))
        winner = winner or (store.get_open_link(tenant_id, request.customer_id) if lost else None)
        if winner is not None and winner["link_expires_at"] > clock.now():
            return _open_link_response(winner)
        raise ServiceUnavailable("Another request is issuing a link for this customer right now; retry.") from None
    metrics.add_metric(name="KycSubmitLinks", unit=MetricUnit.Count, value=1)
    logger.info("kyc submit link issued", extra={"tenant_id": tenant_id, "kyc_id": kyc_id})
    return RequestKycSubmitLinkResponse(
        kyc_id=kyc_id,
        customer_id=request.customer_id,
        status=KycStatus.PENDING_SUBMISSION,
        token=link.token,
        link=page_link(CAPTURE_PAGE, link.token),
        expires_at=link.expires_iso,
        required_slots=link.slots,
    )


def _open_link_response(pointer: dict[str, Any]) -> RequestKycSubmitLinkResponse:
    return RequestKycSubmitLinkResponse(
        kyc_id=pointer["kyc_id"],
        customer_id=pointer["customer_id"],
        status=KycStatus.PENDING_SUBMISSION,
        token=pointer["token"],
        link=page_link(CAPTURE_PAGE, pointer["token"]),
        expires_at=clock.iso(pointer["link_expires_at"]),
        required_slots=pointer["required_slots"],
    )


def _expire(tenant_id: str, kyc_id: str, now_iso: str) -> tuple[store.RequestChange, list[Any]]:
    record = store.get_kyc_request(tenant_id, kyc_id)
    if record is None or record["status"] != KycStatus.PENDING_SUBMISSION:
        # Cannot be while its open link exists (a submit deletes the link in its own transaction).
        raise Conflict("The customer's previous link changed while this one was issued; retry.")
    fields = {"status": KycStatus.EXPIRED.value, "updated_at": now_iso}
    expired = KycRequest.model_validate({**record, **fields})
    change = store.RequestChange(kyc_id, KycStatus.PENDING_SUBMISSION.value, KycStatus.EXPIRED.value, fields)
    return change, service.request_callbacks(tenant_id, expired, record.get("callback_url"))


# ---------------------------------------------------------------- additional documents


def request_additional_documents(
    tenant_id: str, kyc_id: str, request: RequestAdditionalDocumentsRequest
) -> RequestAdditionalDocumentsResponse:
    """Reopen a decided request for the documents asked for, with a new link; its open link while there is one."""
    redirect_url = checked_url("redirect_url", request.redirect_url)
    record = store.get_kyc_request(tenant_id, kyc_id)
    if record is None:
        raise NotFound(f"No KYC request {kyc_id!r}.")
    status = KycStatus(record["status"])
    open_link = record.get(store.HANDOFF)
    if status == KycStatus.ADDITIONAL_DOCUMENTS_REQUESTED and open_link["expires_at"] > clock.now():
        return _reopened_response(record, open_link["token"], open_link["expires_at"], open_link["slots"])
    if status not in REOPENABLE and status != KycStatus.ADDITIONAL_DOCUMENTS_REQUESTED:
        raise Conflict(
            f"KYC request {kyc_id} is {status.value}; additional documents can be asked for once it is "
            "approved, declined or in_review.",
            extra={"current_status": status.value},
        )
    link = _Link(
        tenant_id,
        kyc_id,
        record["customer_id"],
        purpose=HandoffPurpose.ADDITIONAL_DOCUMENTS.value,
        plan=requirements.additional_documents_plan(request.document_types),
        message=request.message,
        redirect_url=redirect_url,
    )
    to_status = KycStatus.ADDITIONAL_DOCUMENTS_REQUESTED
    fields = {
        "status": to_status.value,
        "requested_documents": {
            "document_types": [t.value for t in request.document_types],
            "message": request.message,
            "requested_at": link.now_iso,
            "link_expires_at": link.expires_iso,
        },
        "link_expires_at": link.expires_iso,
        "updated_at": link.now_iso,
        store.HANDOFF: link.record(),
    }
    change = store.RequestChange(kyc_id, status.value, to_status.value, fields)
    updated = KycRequest.model_validate({**record, **fields})
    customer = None
    deliveries = []
    if status != to_status:  # a state change: the customer follows it, the tenant hears of it
        customer = _customer_follows(tenant_id, record, to_status, link.now_iso)
        deliveries = service.request_callbacks(tenant_id, updated, record.get("callback_url"))
    try:
        store.commit_change(tenant_id, change, customer=customer, extra=[link.put()], deliveries=deliveries)
    except store.StaleWrite:
        raise Conflict(
            f"KYC request {kyc_id} changed while the documents were asked for; send the request again."
        ) from None
    logger.info("kyc additional documents requested", extra={"tenant_id": tenant_id, "kyc_id": kyc_id})
    return _reopened_response(record, link.token, link.expires_at, link.slots)


def _reopened_response(
    record: dict[str, Any], token: str, expires_at: float, slots: list[str]
) -> RequestAdditionalDocumentsResponse:
    return RequestAdditionalDocumentsResponse(
        kyc_id=record["kyc_id"],
        customer_id=record["customer_id"],
        status=KycStatus.ADDITIONAL_DOCUMENTS_REQUESTED,
        token=token,
        link=page_link(CAPTURE_PAGE, token),
        expires_at=clock.iso(expires_at),
        required_slots=slots,
    )


def _customer_follows(
    tenant_id: str, record: dict[str, Any], status: KycStatus, now_iso: str
) -> store.CustomerKycChange | None:
    """The customer's change when ``record`` is their latest request (an older one moving changes nothing).

    Any status but approved drops the reference face: Re-Use KYC then has nothing to re-verify against
    until the request is approved again (update_kyc_status restores it from the request's selfie).
    """
    customer = store.get_customer(tenant_id, record["customer_id"])
    if customer is None or customer.get("latest_kyc_id") != record["kyc_id"]:
        return None
    return store.CustomerKycChange(
        customer_id=record["customer_id"],
        expected_version=customer["version"],
        from_kyc_status=customer["kyc_status"],
        kyc_id=record["kyc_id"],
        kyc_status=status.value,
        updated_at=now_iso,
        reference_face=None,
    )

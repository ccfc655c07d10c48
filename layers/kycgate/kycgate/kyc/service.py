"""KYC rules for customers, KYC requests and their review: no HTTP, no boto3.

Document verification, the one route that reads preferences and compares faces, is kyc.verification.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from kycgate.core import clock, counters, listing
from kycgate.core.errors import Conflict, NotFound, Unprocessable
from kycgate.core.logs import logger
from kycgate.core.settings import get_settings
from kycgate.core.wire import iso_or_none
from kycgate.kyc import reference, store
from kycgate.kyc.schemas import (
    KYC_DECLINED_DESCRIPTIONS,
    CheckKycStatusResponse,
    CreateProfileRequest,
    KycCustomerProfile,
    KycDeclinedCode,
    KycOverview,
    KycOverviewDay,
    KycRequest,
    KycRequestFilters,
    KycRequestListResponse,
    ProfileFilters,
    ProfileListResponse,
    ProofDownloadURL,
    ProofType,
    UpdateKycStatusRequest,
)
from kycgate.kyc.vocabulary import KycStatus, RiskLevel
from kycgate.webhooks import outbox

# ---------------------------------------------------------------- customers


def create_customer(tenant_id: str, request: CreateProfileRequest) -> KycCustomerProfile:
    now = clock.now_iso()
    document = {
        **request.model_dump(mode="json", exclude_none=True),
        "kyc_status": KycStatus.NOT_STARTED.value,
        "created_at": now,
        "updated_at": now,
    }
    try:
        store.put_customer(tenant_id, document)
    except store.AlreadyExists as exc:
        raise Conflict(
            f"A customer with customer_id {request.customer_id!r} exists already; "
            "GET /api/v1/kyc/customers/{customer_id} returns it."
        ) from exc
    return _profile(document)


def get_customer(tenant_id: str, customer_id: str) -> KycCustomerProfile:
    return _profile(_customer_record(tenant_id, customer_id))


def list_customers(
    tenant_id: str, filters: ProfileFilters, page: int, page_size: int, cursor: str | None
) -> ProfileListResponse:
    """Every ProfileFilters combination is one index partition (kyc_status) with a key range (created)."""
    kyc_status = filters.kyc_status.value if filters.kyc_status else None
    query = store.customers_query(
        tenant_id,
        kyc_status=kyc_status,
        created_from=iso_or_none(filters.created_from),
        created_to=iso_or_none(filters.created_to),
    )
    ranged = filters.created_from is not None or filters.created_to is not None
    total = (
        partial(listing.count, query) if ranged else partial(store.customers_total, tenant_id, kyc_status=kyc_status)
    )
    found = listing.list_page(tenant_id, query, page=page, page_size=page_size, cursor=cursor, total=total)
    return ProfileListResponse(items=[_profile(item) for item in found.items], pagination=found.pagination)


def check_kyc_status(tenant_id: str, customer_id: str) -> CheckKycStatusResponse:
    customer = _customer_record(tenant_id, customer_id)
    status = KycStatus(customer["kyc_status"])
    return CheckKycStatusResponse(
        customer_id=customer_id,
        status=status,
        kyc_id=customer.get("latest_kyc_id"),
        is_verified=status == KycStatus.APPROVED,
        has_reference_face="reference_face" in customer,
        updated_at=customer["updated_at"],
    )


# ---------------------------------------------------------------- KYC requests


def get_kyc_request(tenant_id: str, kyc_id: str) -> KycRequest:
    return KycRequest.model_validate(_kyc_record(tenant_id, kyc_id))


# Each is an index (kyc.store); a created range narrows any of them as a key condition.
_REQUEST_INDEXED_FILTERS = ("status", "customer_id", "document_type")


def list_kyc_requests(
    tenant_id: str, filters: KycRequestFilters, page: int, page_size: int, cursor: str | None
) -> KycRequestListResponse:
    given = [name for name in _REQUEST_INDEXED_FILTERS if getattr(filters, name) is not None]
    if len(given) > 1:
        raise Unprocessable(
            f"The filters {' and '.join(given)} cannot be combined: each is served from its own index. "
            "Supported: at most one of status, customer_id or document_type, each with or without "
            "created_from/created_to.",
            extra={
                "supported": [[], *([name] for name in _REQUEST_INDEXED_FILTERS)],
                "range": ["created_from", "created_to"],
            },
        )
    status = filters.status.value if filters.status else None
    document_type = filters.document_type.value if filters.document_type else None
    query = store.kyc_requests_query(
        tenant_id,
        created_from=iso_or_none(filters.created_from),
        created_to=iso_or_none(filters.created_to),
        status=status,
        customer_id=filters.customer_id,
        document_type=document_type,
    )
    # No counter totals a created range or one customer's requests: DynamoDB counts that range of its index.
    counted = filters.created_from or filters.created_to or filters.customer_id
    total = (
        partial(listing.count, query)
        if counted
        else partial(store.kyc_requests_total, tenant_id, status=status, document_type=document_type)
    )
    found = listing.list_page(tenant_id, query, page=page, page_size=page_size, cursor=cursor, total=total)
    return KycRequestListResponse(
        items=[KycRequest.model_validate(i) for i in found.items], pagination=found.pagination
    )


# ---------------------------------------------------------------- overview

OVERVIEW_DEFAULT_DAYS = 30
OVERVIEW_MAX_DAYS = 366
_OPEN_ALERT_STATUSES = ("open", "in_review")


def get_overview(tenant_id: str, first: date | None, last: date | None) -> KycOverview:
    """Counts from the counters alone: one BatchGetItem (customers, requests, alerts) and one Query of
    the range's day items. The range defaults to the last 30 UTC days, ending today."""
    last = last or datetime.fromtimestamp(clock.now(), tz=UTC).date()
    first = first or last - timedelta(days=OVERVIEW_DEFAULT_DAYS - 1)
    if first > last:
        raise Unprocessable("`from` must not be after `to`.")
    if (last - first).days + 1 > OVERVIEW_MAX_DAYS:
        raise Unprocessable(f"The range may span at most {OVERVIEW_MAX_DAYS} days; ask for several ranges.")
    names = [store.CUSTOMERS_COUNTER, store.KYC_REQUESTS_COUNTER, counters.KYC_ALERTS]
    found = counters.read(tenant_id, names)
    customers, requests, alerts = (found[name] for name in names)
    days = counters.read_days(tenant_id, store.KYC_REQUESTS_COUNTER, first.isoformat(), last.isoformat())
    daily = []
    for offset in range((last - first).days + 1):
        day = (first + timedelta(days=offset)).isoformat()
        counts = days.get(day, {})
        daily.append(
            KycOverviewDay(
                date=day, approvals=counts.get("status#approved", 0), declines=counts.get("status#declined", 0)
            )
        )
    return KycOverview(
        total_customers=customers.get("total", 0),
        customers_by_status={s: customers.get(f"kyc_status#{s.value}", 0) for s in KycStatus},
        total_requests=requests.get("total", 0),
        by_status={s: requests.get(f"status#{s.value}", 0) for s in KycStatus},
        by_risk_level={level: requests.get(f"risk#{level.value}", 0) for level in RiskLevel},
        from_date=first.isoformat(),
        to_date=last.isoformat(),
        approvals=sum(d.approvals for d in daily),
        declines=sum(d.declines for d in daily),
        daily=daily,
        open_alerts=sum(alerts.get(f"status#{status}", 0) for status in _OPEN_ALERT_STATUSES),
        total_alerts=alerts.get("total", 0),
    )


def get_kyc_proofs(tenant_id: str, kyc_id: str) -> list[ProofDownloadURL]:
    """The request's own images, then those of each submitted document (with its document_id)."""
    record = _kyc_record(tenant_id, kyc_id)
    expires_at = clock.iso(clock.now() + get_settings().proof_url_ttl_seconds)
    sets = [(None, record.get(store.PROOF_KEYS) or {})]
    sets += [(d["document_id"], d.get(store.PROOF_KEYS) or {}) for d in record.get("submitted_documents", [])]
    return [
        ProofDownloadURL(
            proof_type=proof_type,
            url=store.proof_url(keys[proof_type]),
            expires_at=expires_at,
            document_id=document_id,
        )
        for document_id, keys in sets
        for proof_type in ProofType
        if proof_type in keys
    ]


def update_kyc_status(tenant_id: str, kyc_id: str, request: UpdateKycStatusRequest) -> KycRequest:
    """A reviewer's decision on an in_review request; the customer follows when it is their latest request."""
    record = _kyc_record(tenant_id, kyc_id)
    if record["status"] != KycStatus.IN_REVIEW:
        raise _not_reviewable(kyc_id, record["status"])
    customer = store.get_customer(tenant_id, record["customer_id"])
    now = clock.now_iso()
    approved = request.status == KycStatus.APPROVED
    code = None if approved else (request.declined_code or KycDeclinedCode.OTHER)
    changes = {
        "status": request.status.value,
        "declined_code": code.value if code else None,
        "declined_reason": KYC_DECLINED_DESCRIPTIONS[code] if code else None,
        "review_note": request.note,
        "reviewed_at": now,
        "updated_at": now,
    }
    response = KycRequest.model_validate({**record, **changes})
    change = None
    # An older request decided late must not overwrite the outcome of the customer's newer one.
    if customer is not None and customer.get("latest_kyc_id") == kyc_id:
        change = store.CustomerKycChange(
            customer_id=record["customer_id"],
            expected_version=customer["version"],
            from_kyc_status=customer["kyc_status"],
            kyc_id=kyc_id,
            kyc_status=request.status.value,
            updated_at=now,
            reference_face=approval_reference_face(record) if approved else None,
        )
    try:
        store.save_review(
            tenant_id, kyc_id, changes, change, request_callbacks(tenant_id, response, record.get("callback_url"))
        )
    except store.StaleWrite as exc:
        current = store.get_kyc_request(tenant_id, kyc_id)
        if current is not None and current["status"] != KycStatus.IN_REVIEW:
            raise _not_reviewable(kyc_id, current["status"]) from exc
        raise Conflict("The customer changed during the review; send the decision again.") from exc
    logger.info(
        "kyc request reviewed", extra={"tenant_id": tenant_id, "kyc_id": kyc_id, "status": request.status.value}
    )
    return response


# ---------------------------------------------------------------- helpers


def _profile(item: Mapping[str, Any]) -> KycCustomerProfile:
    return KycCustomerProfile.model_validate({**item, "has_reference_face": "reference_face" in item})


def _customer_record(tenant_id: str, customer_id: str) -> dict[str, Any]:
    customer = store.get_customer(tenant_id, customer_id)
    if customer is None:
        raise reference.unknown_customer(customer_id)
    return customer


def _kyc_record(tenant_id: str, kyc_id: str) -> dict[str, Any]:
    record = store.get_kyc_request(tenant_id, kyc_id)
    if record is None:
        raise NotFound(f"No KYC request {kyc_id!r}.")
    return record


def _not_reviewable(kyc_id: str, status: str) -> Conflict:
    return Conflict(
        f"KYC request {kyc_id} is {status}; only a request in_review can be approved or declined.",
        extra={"current_status": status},
    )


def approval_reference_face(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The customer's reference face from an approved request's selfie; None when it had no selfie."""
    selfie_key = record.get(store.PROOF_KEYS, {}).get(ProofType.SELFIE.value)
    if selfie_key is None:
        return None
    return {
        "kyc_id": record["kyc_id"],
        "image_key": selfie_key,
        "backend": record.get(store.FACE_BACKEND),
        "template": record.get(store.SELFIE_TEMPLATE),
    }


def request_callbacks(tenant_id: str, request: KycRequest, url: str | None) -> list[outbox.PendingDelivery]:
    if not url:
        return []
    return [
        outbox.new_delivery(
            tenant_id, event="kyc_request", reference=request.kyc_id, url=url, payload=request.model_dump(mode="json")
        )
    ]

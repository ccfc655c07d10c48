"""KYC rules: no HTTP, no boto3."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from kycgate.core import clock, ids
from kycgate.core.errors import Conflict, NotFound, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.core.pagination import paginate
from kycgate.core.settings import get_settings
from kycgate.kyc import reference, store
from kycgate.kyc.schemas import (
    KYC_DECLINED_DESCRIPTIONS,
    CheckKycStatusResponse,
    CreateProfileRequest,
    DocumentVerificationRequest,
    DocumentVerificationResponse,
    KycCustomerProfile,
    KycDeclinedCode,
    KycRequest,
    KycRequestFilters,
    KycRequestListResponse,
    ProfileListResponse,
    ProofDownloadURL,
    ProofType,
    UpdateKycStatusRequest,
    as_utc,
)
from kycgate.kyc.vocabulary import KycStatus
from kycgate.preferences.schemas import PreferenceSettings
from kycgate.preferences.service import preferences_from
from kycgate.webhooks import outbox

if TYPE_CHECKING:  # faces and Pillow load only in the functions that compare or decode images
    from kycgate.core.images import ImageProof
    from kycgate.faces import FaceComparison

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


def list_customers(tenant_id: str, kyc_status: KycStatus | None, page: int, page_size: int) -> ProfileListResponse:
    items = store.list_customers(tenant_id, kyc_status=kyc_status.value if kyc_status else None)
    window, pagination = paginate(items, page, page_size)
    return ProfileListResponse(items=[_profile(item) for item in window], pagination=pagination)


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


# ---------------------------------------------------------------- document verification


@dataclass(frozen=True)
class Decision:
    status: KycStatus
    declined_code: KycDeclinedCode | None
    warnings: dict[str, dict[str, str]]


def verify_documents(tenant_id: str, request: DocumentVerificationRequest) -> DocumentVerificationResponse:
    """Check the documents and selfie, decide, and record the request with its proofs.

    Every input is validated before anything is written. The images go to S3 first, then one
    transaction writes the request, the customer's new status and the callback; if that fails the
    images are purged again.
    """
    images = _decode_proofs(request)
    callback_url = _checked_callback_url(request.callback_url)
    stored_preferences, customer = reference.preferences_and_customer(tenant_id, request.customer_id)
    if customer is None:
        raise reference.unknown_customer(request.customer_id)
    preferences = preferences_from(tenant_id, stored_preferences)
    birthday = request.birthday or customer.get("birthday")
    _check_against_preferences(request, preferences, birthday)

    face = None
    backend = None
    if ProofType.SELFIE in images:
        backend, face = _compare_faces(images[ProofType.DOCUMENT_FRONT], images[ProofType.SELFIE])
    decision = decide(face, _age(birthday) if preferences.is_age_verification_required else None, preferences)

    kyc_id = ids.new_id("kyc")
    now = clock.now_iso()
    template = face.probe_template.vector if face is not None and face.probe_template is not None else None
    stored = store.put_proofs(tenant_id, kyc_id, {t.value: image for t, image in images.items()})
    proof_keys = {proof_type: blob.key for proof_type, blob in stored.items()}
    document: dict[str, Any] = {
        "kyc_id": kyc_id,
        "customer_id": request.customer_id,
        "document_type": request.document_type.value,
        "status": decision.status.value,
        "declined_code": decision.declined_code.value if decision.declined_code else None,
        "declined_reason": KYC_DECLINED_DESCRIPTIONS[decision.declined_code] if decision.declined_code else None,
        "face_match_score": round(face.similarity, 4) if face is not None else None,
        "warnings": decision.warnings,
        "proofs": [
            {
                "proof_type": proof_type.value,
                "content_type": image.mime,
                "width": image.width,
                "height": image.height,
                "size_bytes": len(image.data),
            }
            for proof_type, image in images.items()
        ],
        "callback_url": callback_url,
        "created_at": now,
        "updated_at": now,
        store.PROOF_KEYS: proof_keys,
        store.SELFIE_TEMPLATE: template,
        store.FACE_BACKEND: backend,
    }
    response = DocumentVerificationResponse.model_validate(document)
    change = store.CustomerKycChange(
        customer_id=request.customer_id,
        expected_version=customer["version"],
        kyc_id=kyc_id,
        kyc_status=decision.status.value,
        updated_at=now,
        reference_face=_reference_face(document) if decision.status == KycStatus.APPROVED else None,
        birthday=request.birthday,
    )
    try:
        store.save_verification(tenant_id, document, change, _callbacks(tenant_id, response, callback_url))
    except Exception as exc:
        committed = _committed_after_all(tenant_id, kyc_id)
        if committed:
            return response
        if committed is False:
            store.purge_proofs(list(stored.values()))
        if isinstance(exc, store.StaleWrite):
            raise Conflict(
                "The customer changed while the documents were checked (another verification or review "
                "finished first); send the request again."
            ) from exc
        raise
    logger.info(
        "kyc request decided",
        extra={
            "tenant_id": tenant_id,
            "kyc_id": kyc_id,
            "status": decision.status.value,
            "declined_code": document["declined_code"],
        },
    )
    metrics.add_metric(name=f"KycRequests_{decision.status.value}", unit=MetricUnit.Count, value=1)
    return response


def decide(face: FaceComparison | None, age: int | None, preferences: PreferenceSettings) -> Decision:
    """The verdict from the face comparison (None: no selfie) and the age (None: not checked).

    Identity comes first: when the face fails, an age read off someone else's document means
    nothing, so a face decline code wins; every failed check still shows in ``warnings``.
    """
    codes: list[KycDeclinedCode] = []
    warnings: dict[str, dict[str, str]] = {}
    in_review = False
    if face is None:
        warnings["face"] = {"note": "no selfie was submitted, so the face was not verified"}
    else:
        details = {
            "similarity": f"{face.similarity:.3f}",
            "faces_on_document": str(face.faces_in_reference),
            "faces_in_selfie": str(face.faces_in_probe),
        }
        if face.decline_code is not None:
            codes.append(KycDeclinedCode(face.decline_code.value))
            warnings["face"] = {**details, "note": KYC_DECLINED_DESCRIPTIONS[codes[0]]}
        elif face.in_review_band:
            in_review = True
            warnings["face"] = {
                **details,
                "note": "similarity is in the review band: approve or decline with "
                "PATCH /api/v1/kyc/requests/{kyc_id}/status",
            }
        elif not face.matched:  # a backend outside the contract; never approve on it
            codes.append(KycDeclinedCode.FACE_MISMATCH)
            warnings["face"] = {**details, "note": KYC_DECLINED_DESCRIPTIONS[KycDeclinedCode.FACE_MISMATCH]}
        elif face.faces_in_reference > 1:
            warnings["face"] = {**details, "note": "the document shows several faces; the largest was compared"}
    if age is not None and not preferences.min_age <= age <= preferences.max_age:
        code = KycDeclinedCode.UNDERAGE if age < preferences.min_age else KycDeclinedCode.OVERAGE
        codes.append(code)
        warnings["age"] = {
            "age": str(age),
            "min_age": str(preferences.min_age),
            "max_age": str(preferences.max_age),
            "note": KYC_DECLINED_DESCRIPTIONS[code],
        }
    if codes:
        return Decision(KycStatus.DECLINED, codes[0], warnings)
    return Decision(KycStatus.IN_REVIEW if in_review else KycStatus.APPROVED, None, warnings)


# ---------------------------------------------------------------- KYC requests


def get_kyc_request(tenant_id: str, kyc_id: str) -> KycRequest:
    return KycRequest.model_validate(_kyc_record(tenant_id, kyc_id))


def list_kyc_requests(tenant_id: str, filters: KycRequestFilters, page: int, page_size: int) -> KycRequestListResponse:
    items = store.list_kyc_requests(
        tenant_id,
        created_from=_iso(filters.created_from),
        created_to=_iso(filters.created_to),
        status=filters.status.value if filters.status else None,
        customer_id=filters.customer_id,
        document_type=filters.document_type.value if filters.document_type else None,
    )
    window, pagination = paginate(items, page, page_size)
    return KycRequestListResponse(items=[KycRequest.model_validate(i) for i in window], pagination=pagination)


def get_kyc_proofs(tenant_id: str, kyc_id: str) -> list[ProofDownloadURL]:
    keys: dict[str, str] = _kyc_record(tenant_id, kyc_id)[store.PROOF_KEYS]
    expires_at = clock.iso(clock.now() + get_settings().proof_url_ttl_seconds)
    return [
        ProofDownloadURL(proof_type=proof_type, url=store.proof_url(keys[proof_type]), expires_at=expires_at)
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
            kyc_id=kyc_id,
            kyc_status=request.status.value,
            updated_at=now,
            reference_face=_reference_face(record) if approved else None,
        )
    try:
        store.save_review(
            tenant_id, kyc_id, changes, change, _callbacks(tenant_id, response, record.get("callback_url"))
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


def _decode_proofs(request: DocumentVerificationRequest) -> dict[ProofType, ImageProof]:
    """Every image decoded and checked; one 422 naming every bad field."""
    # Pillow is imported here so that routes without images never load it.
    from kycgate.core.images import decode_image

    fields = {
        ProofType.DOCUMENT_FRONT: request.document_front,
        ProofType.DOCUMENT_BACK: request.document_back,
        ProofType.SELFIE: request.selfie,
    }
    images: dict[ProofType, ImageProof] = {}
    problems: list[Unprocessable] = []
    for proof_type, encoded in fields.items():
        if encoded is None:
            continue
        try:
            images[proof_type] = decode_image(encoded, proof_type.value)
        except Unprocessable as problem:
            problems.append(problem)
    if problems:
        raise Unprocessable(
            "; ".join(p.detail for p in problems), errors=[e for p in problems for e in (p.errors or [])]
        )
    return images


def _checked_callback_url(url: str | None) -> str | None:
    if url is None:
        return None
    from kycgate.webhooks.ssrf import CallbackUrlRefused, check_callback_url

    try:
        check_callback_url(url, allow_loopback=get_settings().allow_loopback_callbacks)
    except CallbackUrlRefused as exc:
        raise Unprocessable(
            f"callback_url refused ({exc.reason}): {exc.message}",
            errors=[field_error(["body", "callback_url"], exc.message, exc.reason)],
            extra={"reason": exc.reason},
        ) from exc
    return url


def _check_against_preferences(
    request: DocumentVerificationRequest, preferences: PreferenceSettings, birthday: str | None
) -> None:
    errors = []
    if request.document_type not in preferences.supported_document_types:
        allowed = ", ".join(t.value for t in preferences.supported_document_types)
        errors.append(
            field_error(
                ["body", "document_type"],
                f"{request.document_type.value} is not among your supported_document_types ({allowed})",
                "document_type_not_supported",
            )
        )
    if request.selfie is None and preferences.is_face_verification_required:
        errors.append(
            field_error(["body", "selfie"], "a selfie is required while is_face_verification_required is on", "missing")
        )
    if birthday is None and preferences.is_age_verification_required:
        # Approving without the age check the tenant asked for would be a silent compliance hole.
        errors.append(
            field_error(
                ["body", "birthday"],
                "a birthday is required while is_age_verification_required is on; send it here or on the customer",
                "missing",
            )
        )
    if errors:
        raise Unprocessable("; ".join(e["msg"] for e in errors), errors=errors)


def _compare_faces(document: ImageProof, selfie: ImageProof) -> tuple[str, FaceComparison]:
    # Imported here: only this route loads the face models.
    from kycgate.faces import get_matcher

    matcher = get_matcher()
    try:
        comparison = matcher.compare(document.data, selfie.data)
    except ValueError as exc:
        message = "the image could not be decoded for face matching; re-encode it as baseline JPEG"
        raise Unprocessable(
            f"document_front or selfie: {message}",
            errors=[field_error(["body", f], message, "image_corrupt") for f in ("document_front", "selfie")],
        ) from exc
    return matcher.name, comparison


def _age(birthday: str) -> int:
    born = date.fromisoformat(birthday)
    today = datetime.fromtimestamp(clock.now(), tz=UTC).date()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _reference_face(record: Mapping[str, Any]) -> dict[str, Any] | None:
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


def _callbacks(tenant_id: str, request: KycRequest, url: str | None) -> list[outbox.PendingDelivery]:
    if not url:
        return []
    return [
        outbox.new_delivery(
            tenant_id, event="kyc_request", reference=request.kyc_id, url=url, payload=request.model_dump(mode="json")
        )
    ]


def _committed_after_all(tenant_id: str, kyc_id: str) -> bool | None:
    """Whether a transaction reported as failed committed anyway; None when that cannot be told.

    A retried TransactWriteItems whose first try succeeded fails its own condition; purging the
    proofs then would leave a request without images.
    """
    try:
        return store.get_kyc_request(tenant_id, kyc_id) is not None
    except Exception:
        logger.exception("could not tell whether a failed KYC write committed; keeping its proofs")
        return None


def _iso(moment: datetime | None) -> str | None:
    return clock.iso(as_utc(moment).timestamp()) if moment is not None else None

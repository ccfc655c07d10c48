"""Document verification rules (POST /documents/verify): decode and check the images, check them
against the tenant's preferences, compare the faces, decide, and record the request. No HTTP, no boto3.

Apart from kyc.service (customers, requests, reviews) because only this route needs the tenant's
preferences, the face matcher and Pillow: the other KYC functions' cold starts do without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from kycgate.core import clock, ids
from kycgate.core.errors import Conflict, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.kyc import reference, service, store
from kycgate.kyc.schemas import (
    KYC_DECLINED_DESCRIPTIONS,
    DocumentVerificationRequest,
    DocumentVerificationResponse,
    KycDeclinedCode,
    ProofType,
)
from kycgate.kyc.vocabulary import KycStatus
from kycgate.preferences.schemas import PreferenceSettings
from kycgate.preferences.service import preferences_from
from kycgate.webhooks.callback_urls import checked_url

if TYPE_CHECKING:  # faces and Pillow load only when images are decoded and compared
    from kycgate.core.images import ImageProof
    from kycgate.faces import FaceComparison


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
    callback_url = checked_url("callback_url", request.callback_url)
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
        reference_face=service.approval_reference_face(document) if decision.status == KycStatus.APPROVED else None,
        birthday=request.birthday,
    )
    try:
        callbacks = service.request_callbacks(tenant_id, response, callback_url)
        store.save_verification(tenant_id, document, change, callbacks)
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

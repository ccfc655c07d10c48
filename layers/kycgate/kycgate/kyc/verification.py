"""Document verification rules: decode and check the images, check them against the tenant's
preferences, compare the faces, check the age and the proof of address, score the risk, decide, and
record the request. No HTTP, no boto3.

POST /documents/verify runs all of it here; a submit link's handoff (kyc.submission) runs the same
checks (``run_checks``) on the slots its customer filled. Apart from kyc.service (customers, requests,
reviews) because only these routes need the preferences, the face matcher and Pillow: the other KYC
functions' cold starts do without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from kycgate.core import clock, ids
from kycgate.core.errors import Conflict, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.kyc import reference, risk, service, store
from kycgate.kyc.requirements import birthday_errors, document_type_errors
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


class Checks(NamedTuple):
    """What the checks found on one submission's images."""

    decision: Decision
    face: FaceComparison | None  # the document's face against the selfie; None without a selfie
    backend: str | None  # the face matcher that compared them
    risk: risk.Risk

    def fields(self) -> dict[str, Any]:
        """The decided request's attributes (wire fields and the backend's own)."""
        code = self.decision.declined_code
        face = self.face
        template = face.probe_template.vector if face is not None and face.probe_template is not None else None
        return {
            "status": self.decision.status.value,
            "declined_code": code.value if code else None,
            "declined_reason": KYC_DECLINED_DESCRIPTIONS[code] if code else None,
            "face_match_score": round(face.similarity, 4) if face is not None else None,
            "warnings": self.decision.warnings,
            "risk_score": self.risk.score,
            "risk_level": self.risk.level.value,
            "risk_factors": self.risk.factors,
            store.SELFIE_TEMPLATE: template,
            store.FACE_BACKEND: self.backend,
        }


def verify_documents(tenant_id: str, request: DocumentVerificationRequest) -> DocumentVerificationResponse:
    """Check the documents and selfie, decide, and record the request with its proofs.

    Every input is validated before anything is written. The images go to S3 first, then one
    transaction writes the request, the customer's new status and the callback; if that fails the
    images are purged again.
    """
    images = _decode_proofs(tenant_id, request)
    callback_url = checked_url("callback_url", request.callback_url)
    stored_preferences, customer = reference.preferences_and_customer(tenant_id, request.customer_id)
    if customer is None:
        raise reference.unknown_customer(request.customer_id)
    preferences = preferences_from(tenant_id, stored_preferences)
    birthday = request.birthday or customer.get("birthday")
    _check_against_preferences(request, preferences, birthday)
    checks = run_checks(preferences, images, birthday, customer, open_alerts(tenant_id, request.customer_id))

    kyc_id = ids.new_id("kyc")
    now = clock.now_iso()
    stored = store.put_proofs(tenant_id, kyc_id, {t.value: image for t, image in images.items()})
    proof_keys = {proof_type: blob.key for proof_type, blob in stored.items()}
    document: dict[str, Any] = {
        "kyc_id": kyc_id,
        "customer_id": request.customer_id,
        "document_type": request.document_type.value,
        **checks.fields(),
        "proofs": proofs_of(images),
        "callback_url": callback_url,
        "created_at": now,
        "updated_at": now,
        store.PROOF_KEYS: proof_keys,
    }
    response = DocumentVerificationResponse.model_validate(document)
    change = customer_change(request.customer_id, customer, kyc_id, document, now, birthday=request.birthday)
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
    log_decision(tenant_id, kyc_id, document)
    return response


def run_checks(
    preferences: PreferenceSettings,
    images: Mapping[ProofType, ImageProof],
    birthday: str | None,
    customer: Mapping[str, Any],
    alerts: int,
) -> Checks:
    """Faces (each document's against the selfie), age, proof of address, and the risk they add up to.

    ``images`` holds what was submitted, by proof type; ``alerts`` the customer's open Re-Use KYC alerts.
    The first document decides as ``decide`` rules; a second one that fails its comparison declines
    or holds the request as the first would, its findings under ``warnings["document_two"]``.
    """
    face = backend = face_two = None
    selfie = images.get(ProofType.SELFIE)
    if selfie is not None:
        backend, face = _compare_faces(images[ProofType.DOCUMENT_FRONT], selfie, "document_front")
        if ProofType.DOCUMENT_TWO_FRONT in images:
            _, face_two = _compare_faces(images[ProofType.DOCUMENT_TWO_FRONT], selfie, "document_two_front")
    age = _age(birthday) if preferences.is_age_verification_required and birthday else None
    decision = decide(face, age, preferences)
    if face_two is not None:
        decision = _with_second_document(decision, decide(face_two, None, preferences))
    document_warnings = sum(1 for c in (face, face_two) if c is not None and c.matched and c.faces_in_reference > 1)
    if preferences.is_address_verification_required and not customer.get("address"):
        # The proof is stored for review, never read here: without an address on file it proves nothing.
        decision.warnings["address"] = {
            "note": "the customer has no address on file to hold the proof of address against; "
            "add it with the customer's profile"
        }
        document_warnings += 1
    factors = risk.RiskFactors(
        face=risk.face_finding([face, face_two] if face_two is not None else [face]),
        age_out_of_range=age is not None and not preferences.min_age <= age <= preferences.max_age,
        document_warnings=document_warnings,
        open_alerts=alerts,
    )
    scored = risk.assess(
        factors, medium_risk_score=preferences.medium_risk_score, high_risk_score=preferences.high_risk_score
    )
    return Checks(decision, face, backend, scored)


_SEVERITY = {KycStatus.APPROVED: 0, KycStatus.IN_REVIEW: 1, KycStatus.DECLINED: 2}


def _with_second_document(first: Decision, second: Decision) -> Decision:
    warnings = dict(first.warnings)
    if "face" in second.warnings:
        warnings["document_two"] = second.warnings["face"]
    if _SEVERITY[second.status] <= _SEVERITY[first.status]:
        return Decision(first.status, first.declined_code, warnings)
    return Decision(second.status, second.declined_code, warnings)


def open_alerts(tenant_id: str, customer_id: str) -> int:
    """The customer's Re-Use KYC alerts still open or in review (one Query per 1 MB of the tenant's alerts).

    The one place the risk score reads alerts: when alerts get an index by customer, it moves here.
    """
    from kycgate.reuse.store import list_alerts

    alerts = list_alerts(tenant_id, alert_type=None, status=None, customer_id=customer_id)
    return sum(1 for alert in alerts if alert["status"] in ("open", "in_review"))


def proofs_of(images: Mapping[ProofType, ImageProof]) -> list[dict[str, Any]]:
    return [
        {
            "proof_type": proof_type.value,
            "content_type": image.mime,
            "width": image.width,
            "height": image.height,
            "size_bytes": len(image.data),
        }
        for proof_type, image in images.items()
    ]


def customer_change(
    customer_id: str,
    customer: Mapping[str, Any],
    kyc_id: str,
    document: dict[str, Any],
    now: str,
    *,
    birthday: str | None,
) -> store.CustomerKycChange:
    """What a decided request does to its customer: the new status, and the reference face when approved."""
    approved = document["status"] == KycStatus.APPROVED
    return store.CustomerKycChange(
        customer_id=customer_id,
        expected_version=customer["version"],
        from_kyc_status=customer["kyc_status"],
        kyc_id=kyc_id,
        kyc_status=document["status"],
        updated_at=now,
        reference_face=service.approval_reference_face(document) if approved else None,
        birthday=birthday,
    )


def log_decision(tenant_id: str, kyc_id: str, document: dict[str, Any]) -> None:
    logger.info(
        "kyc request decided",
        extra={
            "tenant_id": tenant_id,
            "kyc_id": kyc_id,
            "status": document["status"],
            "declined_code": document["declined_code"],
            "risk_level": document["risk_level"],
        },
    )
    metrics.add_metric(name=f"KycRequests_{document['status']}", unit=MetricUnit.Count, value=1)


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


def _decode_proofs(tenant_id: str, request: DocumentVerificationRequest) -> dict[ProofType, ImageProof]:
    """Every image decoded (base64) or fetched (upload id) and checked; one 422 naming every bad field."""
    from kycgate.uploads import service as uploads  # Pillow and S3: routes without images never load them

    order = (ProofType.DOCUMENT_FRONT, ProofType.DOCUMENT_BACK, ProofType.PROOF_OF_ADDRESS, ProofType.SELFIE)
    sent = uploads.sent(request, *(proof_type.value for proof_type in order))
    proofs = uploads.images(sent, tenant_id=tenant_id, used_by="verify_documents")
    return {proof_type: proofs[proof_type.value] for proof_type in order if proof_type.value in proofs}


def _check_against_preferences(
    request: DocumentVerificationRequest, preferences: PreferenceSettings, birthday: str | None
) -> None:
    errors = document_type_errors(preferences, {"document_type": request.document_type})
    if not request.has("selfie") and preferences.is_face_verification_required:
        errors.append(
            field_error(["body", "selfie"], "a selfie is required while is_face_verification_required is on", "missing")
        )
    if not request.has("proof_of_address") and preferences.is_address_verification_required:
        errors.append(
            field_error(
                ["body", "proof_of_address"],
                "a proof of address is required while is_address_verification_required is on",
                "missing",
            )
        )
    errors += birthday_errors(preferences, birthday, "here or on the customer")
    if errors:
        raise Unprocessable("; ".join(e["msg"] for e in errors), errors=errors)


def _compare_faces(document: ImageProof, selfie: ImageProof, document_field: str) -> tuple[str, FaceComparison]:
    # Imported here: only the verifying routes load the face models.
    from kycgate.faces import get_matcher

    matcher = get_matcher()
    try:
        comparison = matcher.compare(document.data, selfie.data)
    except ValueError as exc:
        message = "the image could not be decoded for face matching; re-encode it as baseline JPEG"
        raise Unprocessable(
            f"{document_field} or selfie: {message}",
            errors=[field_error(["body", f], message, "image_corrupt") for f in (document_field, "selfie")],
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

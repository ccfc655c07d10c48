"""kycgate's liveness check, the hosted page's side: a selfie, with the page's token, compared with the
portrait of the application's identity document. No HTTP, no boto3.

The token resolves to exactly one tenant, application, client and attribute (levels.liveness), so a token
can reach nothing but its own client's check. The comparison is kycgate.faces' (sface locally,
Rekognition in AWS) with its thresholds: matched approves; anything else uses an attempt, and the last
failed attempt ends the check (`exhausted`). The attempt counter is a conditional write, so racing
submits cannot get more attempts than allowed. The face models and Pillow load only in this route.

DynamoDB: token 1, application 1, result 1 (UpdateItem in a transaction); S3: the portrait, 1 GetObject.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kycgate.core import clock, ids
from kycgate.core.errors import Conflict, Gone, NotFound, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.levels import liveness, store
from kycgate.levels.schemas import LivenessCheck
from kycgate.levels.vocabulary import EDITABLE_STATUSES, PORTRAIT_DOCUMENT_KEYS, LivenessStatus

if TYPE_CHECKING:
    from kycgate.faces import FaceComparison

NOTES = {
    "approved": "Your selfie matches the photo on your document.",
    "no_face_detected": "We couldn't see a face. Hold the camera at eye level with your whole face in the oval.",
    "multiple_faces_detected": "More than one face was in the picture. Make sure only you are in view.",
    "no_face_on_document": "We couldn't find a face on your document photo. Upload the page with your portrait again.",
    "face_mismatch": "Your selfie didn't match the photo on your document. Face the camera in even light.",
}


def check_status(token: str) -> LivenessCheck:
    """What the hosted page shows for its token. DynamoDB: token 1, application 1."""
    _, _, state = _resolve(token)
    return _check(state)


def submit(token: str, selfie: str) -> LivenessCheck:
    """Compare a selfie with the application's document portrait and record the attempt."""
    from kycgate.core.images import decode_image  # Pillow: only this route

    probe = decode_image(selfie, "selfie")
    pointer, application, state = _resolve(token)
    status = LivenessStatus(state["status"])
    if status == LivenessStatus.APPROVED:
        raise Conflict("This liveness check is already approved.", slug="check-completed")
    if status == LivenessStatus.EXHAUSTED:
        raise Conflict(f"This liveness check has used all {state['max_attempts']} attempts.", slug="check-exhausted")
    if application["status"] not in EDITABLE_STATUSES:
        raise Conflict(
            f"The KYC application is {application['status']}; the liveness check cannot change now.",
            slug="check-closed",
        )
    document = _portrait_document(application)
    if document is None:
        raise Conflict(
            "There is no identity document to compare the selfie with yet: upload the passport (or ID card, driving "
            "licence, residence permit front side) to the application first.",
            slug="portrait-missing",
        )
    comparison = _compare(store.read_blob(document["files"][0]["object_key"]), probe.data)
    verdict = _verdict(comparison, state, document)
    updated = {
        **state,
        "status": verdict.status.value,
        "attempts": int(state["attempts"]) + (0 if verdict.status == LivenessStatus.APPROVED else 1),
        "result": liveness.result_value(verdict),
        "reference_document": {
            "attribute_key": document["attribute_key"],
            "document_uuid": document["document_uuid"],
            "faces_on_document": comparison.faces_in_reference,
            "matched": comparison.matched,
        },
    }
    expected = {"attempts": state["attempts"], "grant_id": pointer["grant_id"]}
    try:
        store.commit(
            [
                store.liveness_state_update(
                    pointer["tenant_id"],
                    application["kyc_application_uuid"],
                    pointer["attribute_key"],
                    updated,
                    expected,
                )
            ]
        )
    except store.StaleWrite as exc:
        raise Conflict(
            "Another selfie for this check was judged at the same time; look at the result and retry."
        ) from exc
    metrics.add_metric(
        name="LevelsLivenessPassed" if verdict.status == LivenessStatus.APPROVED else "LevelsLivenessFailed",
        unit=MetricUnit.Count,
        value=1,
    )
    logger.info(
        "levels liveness attempt judged",
        extra={"tenant_id": pointer["tenant_id"], "status": verdict.status.value, "attempts": updated["attempts"]},
    )
    return _check(updated)


def _resolve(token: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    pointer = store.get_liveness_token(ids.digest(token))
    if pointer is None:
        raise NotFound("No liveness check has this token.")
    if pointer["token_expires_at"] <= clock.now():
        raise Gone("This liveness link has expired; ask for a new one where you started.", slug="check-expired")
    application = store.get_application(pointer["tenant_id"], pointer["kyc_application_uuid"])
    state = (application or {}).get("liveness", {}).get(pointer["attribute_key"])
    # A renewed grant replaces this token: the old one must stop working at once.
    if application is None or state is None or state.get("grant_id") != pointer["grant_id"]:
        raise Gone("This liveness link was replaced by a newer one; use the latest link.", slug="check-expired")
    return pointer, application, state


def _check(state: dict[str, Any]) -> LivenessCheck:
    result = state.get("result") or {}
    declined = state["status"] in (LivenessStatus.DECLINED, LivenessStatus.EXHAUSTED)
    return LivenessCheck(
        status=LivenessStatus(state["status"]),
        attempts_left=liveness.attempts_left(state),
        declined_reason=(
            result.get("verification", {}).get("kycgate", {}).get("checks", {}).get("reason") if declined else None
        ),
        client_note=result.get("client_note"),
        expires_at=clock.iso(state["token_expires_at"]),
    )


def _portrait_document(application: dict[str, Any]) -> dict[str, Any] | None:
    values = application.get("values") or {}
    for key in PORTRAIT_DOCUMENT_KEYS:
        stored = values.get(key)
        if stored and isinstance(stored.get("value"), dict):
            return stored["value"]
    return None


def _compare(reference: bytes, probe: bytes) -> FaceComparison:
    from kycgate.faces import get_matcher  # cv2 and the models: only this route

    try:
        return get_matcher().compare(reference, probe)
    except ValueError as exc:
        raise Unprocessable(
            "selfie could not be decoded as an image",
            errors=[field_error(["body", "selfie"], str(exc), "image_corrupt")],
        ) from exc


def _verdict(comparison: FaceComparison, state: dict[str, Any], document: dict[str, Any]) -> liveness.Verdict:
    if comparison.matched:
        status, reason = LivenessStatus.APPROVED, "approved"
    else:
        reason = comparison.decline_code.value if comparison.decline_code else "face_mismatch"
        last = int(state["attempts"]) + 1 >= int(state["max_attempts"])
        status = LivenessStatus.EXHAUSTED if last else LivenessStatus.DECLINED
    note = NOTES.get(reason, NOTES["face_mismatch"])
    checks = {
        "reason": reason,
        "similarity": f"{comparison.similarity:.3f}",
        "faces_in_selfie": str(comparison.faces_in_probe),
        "faces_on_document": str(comparison.faces_in_reference),
        "compared_with": document["attribute_key"],
    }
    verification = {
        "kycgate": {
            "verificator": "kycgate",
            "status": "approved" if status == LivenessStatus.APPROVED else "declined",
            "client_note": note,
            "checks": checks,
        }
    }
    return liveness.Verdict(status, verification, note)

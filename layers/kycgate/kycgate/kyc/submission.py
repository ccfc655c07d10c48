"""The final submit of a KYC handoff (POST /api/v1/kyc/session/submit, token-authorized). No HTTP.

A submit link's slots are verified by the same checks as POST /documents/verify (kyc.verification's
``run_checks``: each document's face against the selfie, the age, the proof of address, the risk score),
under the preferences the link was issued with, and decide the request (pending_submission ->
approved | declined | in_review). Additional documents are not judged by machine: they land on the
request as SubmittedDocuments and the request goes to in_review for a person to decide.

One transaction commits the decision with the handoff marked submitted (only if no upload changed a
slot since the checks read them, and the link is still live), the customer's new status, the open
link's removal and the callback. Two submits race to one winner; the other gets 409.

DynamoDB: handoff 1 (GetItem), request + customer 1 (BatchGetItem), the customer's alerts 1 (Query,
submit links only), TransactWriteItems 1. S3: one GetObject per image the face checks read (document,
document_two, face), one DeleteObjectTagging per slot (its photos are kept from then on).
"""

from __future__ import annotations

from typing import Any

from kycgate.core import blobs, clock, ids
from kycgate.core.errors import Conflict, NotFound, Unprocessable, field_error
from kycgate.handoff import service as handoff_service
from kycgate.handoff import store as handoff_store
from kycgate.handoff.schemas import HandoffPurpose, KycSubmissionStatus
from kycgate.handoff.uploads import already_submitted
from kycgate.kyc import requirements, service, store, verification
from kycgate.kyc.schemas import KycRequest, ProofType
from kycgate.kyc.vocabulary import KycStatus

# The slots whose images the checks read; the others (backs, proof of address) were checked on upload.
_READ_FOR_CHECKS = ("document", "document_two", "face")


def submit(token: str) -> KycSubmissionStatus:
    digest = ids.digest(token)
    item = handoff_service.kyc_handoff(token)
    if item["is_submitted"]:
        raise already_submitted()
    missing = handoff_service.missing_slots(item)
    if missing:
        names = ", ".join(slot.value for slot in missing)
        raise Unprocessable(
            f"these slots are still empty: {names}; upload them with POST /api/v1/kyc/session/upload",
            errors=[field_error(["slots", slot.value], "not uploaded yet", "missing") for slot in missing],
            extra={"missing_slots": [slot.value for slot in missing]},
        )
    record, customer = store.request_and_customer(item["tenant_id"], item["kyc_id"], item["customer_id"])
    if record is None or customer is None:
        raise NotFound("The KYC request of this link no longer exists.")
    if item["purpose"] == HandoffPurpose.SUBMISSION:
        result = _decide(digest, item, record, customer)
    else:
        result = _fulfil(digest, item, record, customer)
    return handoff_service.status_of({**item, "is_submitted": True, "result": result})


def _decide(digest: str, item: dict[str, Any], record: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
    tenant_id, kyc_id = item["tenant_id"], item["kyc_id"]
    rules = requirements.rules_from(record[store.RULES])
    birthday = record.get("birthday") or customer.get("birthday")
    checks = verification.run_checks(
        rules, _images_for_checks(item), birthday, customer, verification.open_alerts(tenant_id, record["customer_id"])
    )
    now = clock.now()
    now_iso = clock.iso(now)
    fields = {
        **checks.fields(),
        "proofs": [_proof(entry["slot"], item["files"][entry["slot"]]) for entry in item["plan"]],
        "updated_at": now_iso,
        store.PROOF_KEYS: {_proof_type(e["slot"]): item["files"][e["slot"]]["key"] for e in item["plan"]},
    }
    decided = {**record, **fields}
    change = store.RequestChange(kyc_id, KycStatus.PENDING_SUBMISSION.value, fields["status"], fields)
    customer_change = verification.customer_change(
        record["customer_id"], customer, kyc_id, decided, now_iso, birthday=record.get("birthday")
    )
    result = {"status": fields["status"], "declined_code": fields["declined_code"]}
    extra = [
        handoff_store.submitted_update(digest, seen_uploads=item["uploads"], result=result, now=now, now_iso=now_iso),
        store.open_link_delete(tenant_id, record["customer_id"], kyc_id),
    ]
    callbacks = service.request_callbacks(tenant_id, KycRequest.model_validate(decided), record.get("callback_url"))
    _commit(digest, item, change, customer_change, extra, callbacks)
    verification.log_decision(tenant_id, kyc_id, decided)
    return result


def _fulfil(digest: str, item: dict[str, Any], record: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
    """The additional documents onto the request, which goes to in_review for a person to decide."""
    tenant_id, kyc_id = item["tenant_id"], item["kyc_id"]
    now = clock.now()
    now_iso = clock.iso(now)
    asked = record["requested_documents"]
    documents: dict[str, dict[str, Any]] = {}
    for entry in item["plan"]:
        file = item["files"][entry["slot"]]
        document = documents.setdefault(
            entry["document_type"],
            {
                "document_id": ids.new_id("doc"),
                "document_type": entry["document_type"],
                "proofs": [],
                "message": asked["message"],
                "requested_at": asked["requested_at"],
                "submitted_at": now_iso,
                store.PROOF_KEYS: {},
            },
        )
        document["proofs"].append(_proof(entry["slot"], file))
        document[store.PROOF_KEYS][_proof_type(entry["slot"])] = file["key"]
    status = KycStatus.IN_REVIEW.value
    fields = {"status": status, "updated_at": now_iso, "requested_documents": {**asked, "fulfilled_at": now_iso}}
    submitted = list(documents.values())
    change = store.RequestChange(
        kyc_id,
        KycStatus.ADDITIONAL_DOCUMENTS_REQUESTED.value,
        status,
        fields,
        appends={"submitted_documents": submitted},
    )
    updated = {**record, **fields, "submitted_documents": [*record.get("submitted_documents", []), *submitted]}
    customer_change = None
    if customer.get("latest_kyc_id") == kyc_id:
        customer_change = store.CustomerKycChange(
            customer_id=record["customer_id"],
            expected_version=customer["version"],
            from_kyc_status=customer["kyc_status"],
            kyc_id=kyc_id,
            kyc_status=status,
            updated_at=now_iso,
            reference_face=None,
        )
    result = {"status": status}
    extra = [
        handoff_store.submitted_update(digest, seen_uploads=item["uploads"], result=result, now=now, now_iso=now_iso)
    ]
    callbacks = service.request_callbacks(tenant_id, KycRequest.model_validate(updated), record.get("callback_url"))
    _commit(digest, item, change, customer_change, extra, callbacks)
    return result


def _commit(
    digest: str,
    item: dict[str, Any],
    change: store.RequestChange,
    customer_change: store.CustomerKycChange | None,
    extra: list[dict[str, Any]],
    callbacks: list[Any],
) -> None:
    # Before the commit, never after: a committed request whose photos the lifecycle rule then deleted
    # would lose its proofs; untagged photos of a failed commit only stay until the customer submits again.
    try:
        blobs.untag([blobs.StoredBlob(f["key"], f.get("version_id")) for f in item["files"].values()])
    except Exception:
        # A retake since the handoff was read purged the version it names: that is the slot changing.
        current = handoff_store.get_handoff(digest)
        if current is not None and current.get("uploads") != item["uploads"]:
            raise _slot_changed() from None
        raise
    try:
        store.commit_change(item["tenant_id"], change, customer=customer_change, extra=extra, deliveries=callbacks)
    except store.StaleWrite as stale:
        handoff_at = 1 + (customer_change is not None)
        lost, current = store.lost_to(stale.args[0], handoff_at)
        current = current or (handoff_store.get_handoff(digest) if lost else None)
        if current is not None:
            if current.get("is_submitted"):
                raise already_submitted() from None
            if current["expires_at"] <= clock.now():
                raise handoff_service.expired() from None
            if current.get("uploads") != item["uploads"]:
                raise _slot_changed() from None
        raise Conflict(
            "The customer or the KYC request changed while the documents were checked; submit again."
        ) from None


def _slot_changed() -> Conflict:
    return Conflict("A photo was replaced while the documents were checked; submit again.", slug="slot-changed")


def _images_for_checks(item: dict[str, Any]) -> dict[ProofType, Any]:
    """The images the checks compare, from S3, as the upload decoded them."""
    from kycgate.core.images import ImageProof  # Pillow: only the submit of a submit link loads it

    images = {}
    for slot in _READ_FOR_CHECKS:
        file = item["files"].get(slot)
        if file is None or slot not in {entry["slot"] for entry in item["plan"]}:
            continue
        data = blobs.get(file["key"], file.get("version_id"))
        images[ProofType(_proof_type(slot))] = ImageProof(
            data=data, mime=file["content_type"], width=file["width"], height=file["height"]
        )
    return images


def _proof(slot: str, file: dict[str, Any]) -> dict[str, Any]:
    return {
        "proof_type": _proof_type(slot),
        "content_type": file["content_type"],
        "width": file["width"],
        "height": file["height"],
        "size_bytes": file["size_bytes"],
    }


def _proof_type(slot: str) -> str:
    return requirements.SLOT_PROOF_TYPES[slot]

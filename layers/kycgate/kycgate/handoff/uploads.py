"""One slot of a KYC handoff from the customer's phone (POST /api/v1/kyc/session/upload): check the
image, store it under the tenant's KYC request, fill the slot. No HTTP.

The only handoff rules that load Pillow and S3; the status and connect functions do without them.
DynamoDB: handoff 1 (GetItem), slot 1 (UpdateItem). S3: one PutObject (tagged unsubmitted until the
submit), plus one DeleteObjects when the upload replaces an earlier one (retake) or its slot update is
refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kycgate.core import blobs, clock, ids
from kycgate.core.errors import Conflict, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.handoff import service, store
from kycgate.handoff.schemas import SLOT_FILLED, KycSubmissionStatus, UploadKycHandoffSlotRequest

if TYPE_CHECKING:
    from kycgate.core.images import ImageProof

# template.yaml's ProofsBucket lifecycle rule UnsubmittedHandoffPhotos filters on this tag.
UNSUBMITTED_TAGS = {"kycgate-unsubmitted": "true"}


def upload_slot(request: UploadKycHandoffSlotRequest) -> KycSubmissionStatus:
    """Fill (or refill: a retake) one slot. 404 unknown token, 410 expired, 409 once submitted, 422 for a
    slot the handoff does not ask for or an image that is not a JPEG/PNG within the limits."""
    item = service.kyc_handoff(request.token)
    image = image_from_request(request, item["tenant_id"])
    if item["is_submitted"]:
        raise already_submitted()
    slots = [entry["slot"] for entry in item["plan"]]
    if request.slot.value not in slots:
        message = f"this submission does not ask for {request.slot.value}; it asks for {', '.join(slots)}"
        raise Unprocessable(message, errors=[field_error(["body", "slot"], message, "slot_not_requested")])
    object_key = slot_object_key(item, request.slot.value, image.extension)
    # Tagged until submitted: the bucket's lifecycle rule deletes the photos of a link never submitted.
    stored = blobs.put(object_key, image.data, image.mime, tags=UNSUBMITTED_TAGS)
    file = {
        "key": stored.key,
        "version_id": stored.version_id,
        "content_type": image.mime,
        "width": image.width,
        "height": image.height,
        "size_bytes": len(image.data),
    }
    now = clock.now()
    try:
        replaced = store.record_upload(ids.digest(request.token), request.slot, file, now=now, now_iso=clock.iso(now))
    except Exception as exc:
        blobs.purge([stored])  # the slot did not take it: no image may stay behind
        if isinstance(exc, store.HandoffGone):
            raise service.expired() from None
        if isinstance(exc, store.HandoffSubmitted):
            raise already_submitted() from None
        if isinstance(exc, store.NotAKycHandoff):
            raise service.unknown() from None
        raise
    if replaced is not None and _different(replaced, file):
        blobs.purge([blobs.StoredBlob(replaced["key"], replaced.get("version_id"))])
    logger.info("kyc handoff slot filled", extra={"kyc_id": item["kyc_id"], "slot": request.slot.value})
    return service.status_of({**item, request.slot.value: SLOT_FILLED})


def image_from_request(request: UploadKycHandoffSlotRequest, tenant_id: str) -> ImageProof:
    """The slot's image, base64 or an upload of the handoff's tenant (POST /api/v1/uploads/session).
    422 naming the field when it is no acceptable image."""
    from kycgate.uploads import service as uploads  # Pillow and S3: only this route of the handoff needs them

    image = uploads.image(
        request.image, request.image_upload_id, "image", tenant_id=tenant_id, used_by="upload_kyc_handoff_slot"
    )
    assert image is not None  # the request's validator requires one of the two
    return image


def slot_object_key(item: dict[str, Any], slot: str, extension: str) -> str:
    """The S3 key of a slot's image: under the tenant and its KYC request, one folder per handoff."""
    return f"{item['tenant_id']}/kyc/{item['kyc_id']}/{item['handoff_id']}/{slot}.{extension}"


def already_submitted() -> Conflict:
    return Conflict("These documents were submitted already; this link takes no more photos.", slug="submitted")


def _different(old: dict[str, Any], new: dict[str, Any]) -> bool:
    # An unversioned bucket overwrites the same key in place: purging it then would delete the new image.
    if old["key"] != new["key"]:
        return True
    return old.get("version_id") is not None and old.get("version_id") != new.get("version_id")

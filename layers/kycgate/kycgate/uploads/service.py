"""Upload rules: issue a presigned POST to a tenant (or a phone holding a handoff token), and resolve
``<field>_upload_id`` into checked image bytes for every route that takes an image. No HTTP, no boto3.

An upload is bound to its tenant and used once: the route that consumes it marks it used with a
conditional write before it stores anything, so neither another tenant nor a second route can take it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kycgate.core import blobs, clock, ids
from kycgate.core.errors import Gone, NotFound, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.uploads import store
from kycgate.uploads.schemas import CreateUploadResponse, PresignedPost, UploadContentType

if TYPE_CHECKING:
    from kycgate.core.images import ImageProof

POST_TTL_SECONDS = 5 * 60
# Time to finish the POST and send the id on: the phone posts, then calls the slot or submit route.
USABLE_SECONDS = 15 * 60
RETENTION_SECONDS = 24 * 60 * 60


def create_upload(tenant_id: str, content_type: UploadContentType) -> CreateUploadResponse:
    """A presigned POST for one JPEG/PNG of at most 15 MB under the tenant's prefix, and its upload id."""
    from kycgate.core.images import MAX_IMAGE_BYTES

    upload_id = ids.new_token()
    digest = ids.digest(upload_id)
    now = clock.now()
    object_key = store.object_key(tenant_id, digest)
    store.issue(
        digest,
        {
            "tenant_id": tenant_id,
            "object_key": object_key,
            "content_type": content_type.value,
            "created_at": clock.iso(now),
            "usable_until": now + USABLE_SECONDS,
            "expires_at": int(now + RETENTION_SECONDS),
        },
    )
    form = blobs.presigned_post(object_key, content_type.value, MAX_IMAGE_BYTES, POST_TTL_SECONDS)
    return CreateUploadResponse(
        upload_id=upload_id,
        upload=PresignedPost(url=str(form["url"]), fields=dict(form["fields"])),  # type: ignore[call-overload]
        max_bytes=MAX_IMAGE_BYTES,
        upload_expires_at=clock.iso(now + POST_TTL_SECONDS),
        expires_at=clock.iso(now + USABLE_SECONDS),
    )


def create_session_upload(token: str, content_type: UploadContentType) -> CreateUploadResponse:
    """The same for a phone: the KYC handoff or Re-Use KYC session token names the tenant."""
    from kycgate.handoff import store as handoff_store

    handoff = handoff_store.get_handoff(ids.digest(token))
    if handoff is None:
        raise NotFound("No handoff or Re-Use KYC session has this token.", slug="unknown-token")
    if float(handoff["expires_at"]) <= clock.now():
        raise Gone("This session has expired; the merchant must start a new one.", slug="session-expired")
    return create_upload(handoff["tenant_id"], content_type)


def image(
    encoded: str | None,
    upload_id: str | None,
    field: str,
    *,
    tenant_id: str,
    used_by: str,
    loc: tuple[str | int, ...] = ("body",),
) -> ImageProof | None:
    """The image a route was sent, from its base64 ``field`` or its ``<field>_upload_id``; None when neither.

    The bytes pass the same checks either way (core.images: type sniffed, size, pixels). An upload is
    consumed only after its image passed, so a rejected photo can be retaken with a new POST of the same id.
    """
    from kycgate.core.images import check_image, decode_image  # Pillow: only image routes load it

    if upload_id is None:
        return None if encoded is None else decode_image(encoded, field)
    id_field = f"{field}_upload_id"
    id_loc = (*loc, id_field)
    digest = ids.digest(upload_id)
    upload = store.get_upload(digest)
    if upload is None or upload["tenant_id"] != tenant_id:
        raise _problem(id_field, id_loc, "unknown upload_id: create one with POST /api/v1/uploads", "upload_unknown")
    _check_usable(upload, id_field, id_loc)
    data = blobs.find(upload["object_key"])
    if data is None:
        message = "nothing was uploaded for this upload_id: POST the file to the presigned form first"
        raise _problem(id_field, id_loc, message, "upload_missing")
    proof = check_image(data, field, id_loc)
    now = clock.now()
    try:
        store.consume(digest, tenant_id, used_by, now=now, now_iso=clock.iso(now))
    except store.UploadTaken as taken:
        _check_usable(taken.current or upload, id_field, id_loc)
        raise  # issued, usable and ours yet refused: not a client error
    logger.info("upload consumed", extra={"used_by": used_by, "bytes": len(data)})
    return proof


def _check_usable(upload: dict[str, object], id_field: str, id_loc: tuple[str | int, ...]) -> None:
    if upload["status"] != store.ISSUED:
        message = "this upload_id was used already; each upload serves one image once"
        raise _problem(id_field, id_loc, message, "upload_used")
    if float(upload["usable_until"]) <= clock.now():  # type: ignore[arg-type]
        raise _problem(id_field, id_loc, "this upload_id has expired; create a new upload", "upload_expired")


def _problem(field: str, loc: tuple[str | int, ...], message: str, type_: str) -> Unprocessable:
    return Unprocessable(f"{field}: {message}", errors=[field_error(list(loc), message, type_)])

"""Upload rules: issue a presigned POST to a tenant (or a phone holding a handoff, Re-Use KYC or IDV
token), and resolve ``<field>_upload_id`` into checked image bytes for every route that takes an image
(``images``: the one resolver). No HTTP, no boto3.

An upload is bound to its tenant and serves one request: once all of a request's images passed their
checks, its uploads are marked used in one conditional transaction before the route stores anything,
so neither another tenant nor a second request can take them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kycgate.core import blobs, clock, ids
from kycgate.core.errors import Gone, NotFound, Unprocessable, field_error
from kycgate.core.image_limits import MAX_IMAGE_BYTES
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
    """The same for a phone: the KYC handoff, Re-Use KYC session or IDV sdk token names the tenant."""
    from kycgate.compliance.idv import store as idv_store
    from kycgate.handoff import store as handoff_store

    digest = ids.digest(token)
    handoff = handoff_store.get_handoff(digest)
    if handoff is None:
        idv_task = idv_store.get_token(digest)  # None too once expired: IDV answers an expired token 404
        if idv_task is None:
            raise NotFound("No handoff, Re-Use KYC session or IDV task has this token.", slug="unknown-token")
        return create_upload(idv_task["tenant_id"], content_type)
    if float(handoff["expires_at"]) <= clock.now():
        raise Gone("This session has expired; the merchant must start a new one.", slug="session-expired")
    return create_upload(handoff["tenant_id"], content_type)


def sent(request: object, *fields: str) -> dict[str, tuple[str | None, str | None]]:
    """What a request model sent for each image ``field``: its base64 value and its ``<field>_upload_id``."""
    return {field: (getattr(request, field), getattr(request, f"{field}_upload_id")) for field in fields}


def images(
    sent: Mapping[str, tuple[str | None, str | None]],
    *,
    tenant_id: str,
    used_by: str,
    loc: tuple[str | int, ...] = ("body",),
) -> dict[str, ImageProof]:
    """The images a route was sent, each from its base64 field or its ``<field>_upload_id`` (``sent``:
    field -> (base64, upload id)); the fields sent neither are left out. One 422 names every bad field.

    The bytes pass the same checks either way (core.images: type sniffed, size, pixels). The request's
    uploads are consumed together, in one transaction, only once every image passed: a rejected photo
    spends none of them (POST it again to the same form, or create a new upload, and resend).
    """
    from kycgate.core.images import check_image, decode_image  # Pillow: only image routes load it

    proofs: dict[str, ImageProof] = {}
    uploads: dict[str, dict[str, Any]] = {}
    problems: list[Unprocessable] = []
    for field, (encoded, upload_id) in sent.items():
        try:
            if upload_id is None:
                if encoded is not None:
                    proofs[field] = decode_image(encoded, field)
                continue
            upload = _usable_upload(upload_id, field, tenant_id, loc, uploads)
            proofs[field] = check_image(upload["data"], field, (*loc, f"{field}_upload_id"))
            uploads[field] = upload
        except Unprocessable as problem:
            problems.append(problem)
    if problems:
        raise Unprocessable(
            "; ".join(p.detail for p in problems), errors=[e for p in problems for e in (p.errors or [])]
        )
    if uploads:
        _consume(uploads, tenant_id, used_by, loc)
    return proofs


def image(
    encoded: str | None,
    upload_id: str | None,
    field: str,
    *,
    tenant_id: str,
    used_by: str,
    loc: tuple[str | int, ...] = ("body",),
) -> ImageProof | None:
    """``images`` for a route that takes one image ``field``; None when it was sent neither way."""
    return images({field: (encoded, upload_id)}, tenant_id=tenant_id, used_by=used_by, loc=loc).get(field)


def _usable_upload(
    upload_id: str,
    field: str,
    tenant_id: str,
    loc: tuple[str | int, ...],
    taken: Mapping[str, dict[str, Any]],
) -> dict[str, Any]:
    """The upload item with its object's bytes (``data``), if it is this tenant's, unused, unexpired and posted."""
    id_field = f"{field}_upload_id"
    id_loc = (*loc, id_field)
    digest = ids.digest(upload_id)
    if any(other["digest"] == digest for other in taken.values()):
        raise _problem(id_field, id_loc, "this upload_id was sent for another field too; each image needs its own")
    upload = store.get_upload(digest)
    if upload is None or upload["tenant_id"] != tenant_id:
        raise _problem(id_field, id_loc, "unknown upload_id: create one with POST /api/v1/uploads", "upload_unknown")
    _check_usable(upload, id_field, id_loc)
    data = blobs.find(upload["object_key"])
    if data is None:
        message = "nothing was uploaded for this upload_id: POST the file to the presigned form first"
        raise _problem(id_field, id_loc, message, "upload_missing")
    return {**upload, "digest": digest, "data": data}


def _consume(uploads: Mapping[str, dict[str, Any]], tenant_id: str, used_by: str, loc: tuple[str | int, ...]) -> None:
    now = clock.now()
    fields = list(uploads)
    try:
        store.consume([uploads[f]["digest"] for f in fields], tenant_id, used_by, now=now, now_iso=clock.iso(now))
    except store.UploadTaken as taken:
        field = fields[taken.index]
        _check_usable(taken.current or uploads[field], f"{field}_upload_id", (*loc, f"{field}_upload_id"))
        raise  # issued, usable and ours yet refused: not a client error
    logger.info("uploads consumed", extra={"used_by": used_by, "bytes": sum(len(u["data"]) for u in uploads.values())})


def _check_usable(upload: dict[str, object], id_field: str, id_loc: tuple[str | int, ...]) -> None:
    if upload["status"] != store.ISSUED:
        message = "this upload_id was used already; each upload serves one request: create a new one"
        raise _problem(id_field, id_loc, message, "upload_used")
    if float(upload["usable_until"]) <= clock.now():  # type: ignore[arg-type]
        raise _problem(id_field, id_loc, "this upload_id has expired; create a new upload", "upload_expired")


def _problem(field: str, loc: tuple[str | int, ...], message: str, type_: str = "upload_repeated") -> Unprocessable:
    return Unprocessable(f"{field}: {message}", errors=[field_error(list(loc), message, type_)])

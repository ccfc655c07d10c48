"""S3 access for proofs (images, documents): private objects keyed by tenant, presigned reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple
from urllib.parse import urlencode

from kycgate.core import aws
from kycgate.core.logs import logger
from kycgate.core.settings import get_settings


class StoredBlob(NamedTuple):
    key: str
    version_id: str | None  # None when the bucket is not versioned (moto without versioning)


def put(key: str, body: bytes, content_type: str, tags: Mapping[str, str] | None = None) -> StoredBlob:
    # Encryption is the bucket's default (SSE-KMS, template.yaml), so no caller can forget it.
    tagging = {"Tagging": urlencode(dict(tags))} if tags else {}
    response = aws.client("s3").put_object(
        Bucket=get_settings().proofs_bucket, Key=key, Body=body, ContentType=content_type, **tagging
    )
    return StoredBlob(key=key, version_id=response.get("VersionId"))


def untag(blobs: Sequence[StoredBlob]) -> None:
    """Remove every tag of these object versions (so that no tag-filtered lifecycle rule deletes them).
    One DeleteObjectTagging per object."""
    for blob in blobs:
        version = {"VersionId": blob.version_id} if blob.version_id else {}
        aws.client("s3").delete_object_tagging(Bucket=get_settings().proofs_bucket, Key=blob.key, **version)


def get(key: str, version_id: str | None = None) -> bytes:
    """The object's bytes; with ``version_id`` that version's (what a record points at, not a later overwrite)."""
    version = {"VersionId": version_id} if version_id else {}
    response = aws.client("s3").get_object(Bucket=get_settings().proofs_bucket, Key=key, **version)
    return response["Body"].read()


def find(key: str) -> bytes | None:
    """The object's current bytes, None when there is no such object (an upload never posted)."""
    try:
        return get(key)
    except aws.client("s3").exceptions.NoSuchKey:
        return None


def delete(keys: list[str]) -> None:
    if keys:
        aws.client("s3").delete_objects(
            Bucket=get_settings().proofs_bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
        )


def purge(blobs: Sequence[StoredBlob]) -> None:
    """Undo puts whose database write failed, version by version.

    The bucket is versioned, so a plain delete would only add a delete marker and leave the
    identity document behind as a noncurrent version. Failures are logged, not raised: the
    caller is already handling the error that made the write fail.
    """
    if not blobs:
        return
    objects = [{"Key": b.key, **({"VersionId": b.version_id} if b.version_id else {})} for b in blobs]
    try:
        response = aws.client("s3").delete_objects(
            Bucket=get_settings().proofs_bucket, Delete={"Objects": objects, "Quiet": True}
        )
    except Exception:
        logger.exception("could not purge proofs of a failed write", extra={"objects": len(objects)})
        return
    if response.get("Errors"):
        logger.error("some proofs of a failed write were not purged", extra={"failed": len(response["Errors"])})


def presigned_get(key: str) -> str:
    settings = get_settings()
    return aws.client("s3").generate_presigned_url(
        "get_object",
        Params={"Bucket": settings.proofs_bucket, "Key": key},
        ExpiresIn=settings.proof_url_ttl_seconds,
    )


def presigned_post(key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, object]:
    """A browser-postable form for one object: S3 itself refuses another key, content type or a larger body."""
    return aws.client("s3").generate_presigned_post(
        Bucket=get_settings().proofs_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )

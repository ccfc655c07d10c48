"""S3 access for proofs (images, documents): private objects keyed by tenant, presigned reads."""

from __future__ import annotations

from kycgate.core import aws
from kycgate.core.settings import get_settings


def put(key: str, body: bytes, content_type: str) -> None:
    # Encryption is the bucket's default (SSE-KMS, template.yaml), so no caller can forget it.
    aws.client("s3").put_object(
        Bucket=get_settings().proofs_bucket, Key=key, Body=body, ContentType=content_type
    )


def get(key: str) -> bytes:
    response = aws.client("s3").get_object(Bucket=get_settings().proofs_bucket, Key=key)
    return response["Body"].read()


def delete(keys: list[str]) -> None:
    if keys:
        aws.client("s3").delete_objects(
            Bucket=get_settings().proofs_bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
        )


def presigned_get(key: str) -> str:
    settings = get_settings()
    return aws.client("s3").generate_presigned_url(
        "get_object",
        Params={"Bucket": settings.proofs_bucket, "Key": key},
        ExpiresIn=settings.proof_url_ttl_seconds,
    )

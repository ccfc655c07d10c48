"""DynamoDB and S3 keys of uploads.

SessionsTable: PK ``UPLOAD#<sha256(upload_id)>`` SK ``UPLOAD`` (only the digest is in a key) with the
owning ``tenant_id``, the S3 ``object_key``, ``content_type``, ``status`` (``issued`` until a route
consumes it, then ``used`` with ``used_by``), ``usable_until`` (expiry decided in code) and
``expires_at`` (the table's TTL, a retention horizon only).
ProofsBucket: ``uploads/<tenant>/<sha256(upload_id)>``; the bucket's lifecycle rule on ``uploads/``
deletes every object there after a day, used or not (a consuming route keeps its own copy).

DynamoDB calls: issue 1 (PutItem), get_upload 1 (GetItem), consume 1 (UpdateItem).
"""

from __future__ import annotations

from typing import Any

from kycgate.core.dynamo import ddb, from_item, is_condition_failure, key, sessions_table, to_item, to_value

UPLOAD_SK = "UPLOAD"
ISSUED, USED = "issued", "used"
# template.yaml's ProofsBucket lifecycle rule ExpiredUploads filters on this prefix.
OBJECT_PREFIX = "uploads/"


class UploadTaken(Exception):
    """The upload is not issued to this tenant any more (used by another route, or expired)."""

    def __init__(self, current: dict[str, Any] | None) -> None:
        super().__init__("upload cannot be consumed")
        self.current = current


def upload_pk(upload_digest: str) -> str:
    return f"UPLOAD#{upload_digest}"


def object_key(tenant_id: str, upload_digest: str) -> str:
    return f"{OBJECT_PREFIX}{tenant_id}/{upload_digest}"


def issue(upload_digest: str, upload: dict[str, Any]) -> None:
    ddb().put_item(
        TableName=sessions_table(),
        Item=to_item({"PK": upload_pk(upload_digest), "SK": UPLOAD_SK, "status": ISSUED, **upload}),
        ConditionExpression="attribute_not_exists(PK)",
    )


def get_upload(upload_digest: str) -> dict[str, Any] | None:
    response = ddb().get_item(
        TableName=sessions_table(), Key=key(upload_pk(upload_digest), UPLOAD_SK), ConsistentRead=True
    )
    return from_item(response.get("Item"))


def consume(upload_digest: str, tenant_id: str, used_by: str, *, now: float, now_iso: str) -> None:
    """Mark the upload used by ``used_by`` if it is still issued to ``tenant_id`` and usable; else UploadTaken
    with the item as it was. One UpdateItem: of two routes racing for one upload exactly one wins."""
    try:
        ddb().update_item(
            TableName=sessions_table(),
            Key=key(upload_pk(upload_digest), UPLOAD_SK),
            UpdateExpression="SET #status = :used, used_by = :by, used_at = :at",
            ConditionExpression="tenant_id = :tenant AND #status = :issued AND usable_until > :now",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":used": to_value(USED),
                ":issued": to_value(ISSUED),
                ":by": to_value(used_by),
                ":at": to_value(now_iso),
                ":tenant": to_value(tenant_id),
                ":now": to_value(now),
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except Exception as exc:
        if is_condition_failure(exc):
            raise UploadTaken(from_item(getattr(exc, "response", {}).get("Item"))) from exc
        raise

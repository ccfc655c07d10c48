"""DynamoDB and S3 keys of uploads.

SessionsTable: PK ``UPLOAD#<sha256(upload_id)>`` SK ``UPLOAD`` (only the digest is in a key) with the
owning ``tenant_id``, the S3 ``object_key``, ``content_type``, ``status`` (``issued`` until a route
consumes it, then ``used`` with ``used_by``), ``usable_until`` (expiry decided in code) and
``expires_at`` (the table's TTL, a retention horizon only).
ProofsBucket: ``uploads/<tenant>/<sha256(upload_id)>``; the bucket's lifecycle rule on ``uploads/``
deletes every object there after a day, used or not (a consuming route keeps its own copy).

DynamoDB calls: issue 1 (PutItem), get_upload 1 (GetItem), consume 1 (TransactWriteItems, one item per upload).
"""

from __future__ import annotations

from typing import Any

from kycgate.core.dynamo import cancellation_reasons, ddb, from_item, key, sessions_table, to_item

UPLOAD_SK = "UPLOAD"
ISSUED, USED = "issued", "used"
# template.yaml's ProofsBucket lifecycle rule ExpiredUploads filters on this prefix.
OBJECT_PREFIX = "uploads/"


class UploadTaken(Exception):
    """An upload (``index`` of those consumed together) is not issued to this tenant any more (used, or expired)."""

    def __init__(self, index: int, current: dict[str, Any] | None) -> None:
        super().__init__("upload cannot be consumed")
        self.index = index
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


def consume(upload_digests: list[str], tenant_id: str, used_by: str, *, now: float, now_iso: str) -> None:
    """Mark every upload used by ``used_by`` if each is still issued to ``tenant_id`` and usable; else
    UploadTaken naming the first refused one, with its item as it was. One TransactWriteItems: all or
    none, and of two requests racing for one upload exactly one wins."""
    values = to_item(
        {":used": USED, ":issued": ISSUED, ":by": used_by, ":at": now_iso, ":tenant": tenant_id, ":now": now}
    )
    updates = [
        {
            "Update": {
                "TableName": sessions_table(),
                "Key": key(upload_pk(digest), UPLOAD_SK),
                "UpdateExpression": "SET #status = :used, used_by = :by, used_at = :at",
                "ConditionExpression": "tenant_id = :tenant AND #status = :issued AND usable_until > :now",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        for digest in upload_digests
    ]
    try:
        ddb().transact_write_items(TransactItems=updates)
    except Exception as exc:
        for index, reason in enumerate(cancellation_reasons(exc)):
            if reason.get("Code") == "ConditionalCheckFailed":
                raise UploadTaken(index, from_item(reason.get("Item"))) from exc
        raise

"""DynamoDB access of handoff sessions: one item per capability token in SessionsTable.

PK ``HANDOFF#<sha256(token)>`` SK ``HANDOFF`` (only the digest is in a key). Every item has the
seed's six slot strings, ``mobile_connected`` and ``is_submitted``, the owning ``tenant_id`` and
``expires_at`` (15 minutes; also the TTL attribute, but expiry is decided in code). A KYC handoff
(``kind`` "kyc", written by kyc.links) also holds its ``kyc_id``, ``purpose``, the ``plan`` (what each
slot it asks for holds), ``files`` (the S3 object of each filled slot: never in a wire body) and
``uploads`` (a counter the submit's condition pins, so a retake cannot slip in between the checks
and the decision). A Re-Use KYC handoff (reuse.store) has no ``kind``.

DynamoDB calls: get_handoff 1 (GetItem); set_mobile_connected 1, record_upload 1 (UpdateItem);
``handoff_put`` and ``submitted_update`` are entries of their caller's TransactWriteItems.
"""

from __future__ import annotations

from typing import Any

from kycgate.core.dynamo import ddb, from_item, is_condition_failure, key, sessions_table, to_item, to_value
from kycgate.handoff.schemas import SLOT_EMPTY, SLOT_FILLED, SLOT_UNUSED, HandoffSlot

HANDOFF_SK = "HANDOFF"
KIND_KYC = "kyc"


class HandoffGone(Exception):
    """The handoff session exists but has expired."""


class HandoffSubmitted(Exception):
    """The handoff's documents were submitted already: it takes no more uploads."""


class NotAKycHandoff(Exception):
    """No KYC handoff has this token (none at all, or a Re-Use KYC one), or it does not ask for the slot."""


def handoff_pk(token_digest: str) -> str:
    return f"HANDOFF#{token_digest}"


def new_handoff(tenant_id: str, *, created_at: str, expires_at: float, **extra: Any) -> dict[str, Any]:
    """A handoff item's attributes: every slot unused, nothing connected or submitted, plus ``extra``."""
    return {
        "tenant_id": tenant_id,
        **dict.fromkeys((slot.value for slot in HandoffSlot), SLOT_UNUSED),
        "mobile_connected": False,
        "is_submitted": False,
        "created_at": created_at,
        "updated_at": created_at,
        "expires_at": expires_at,
        **extra,
    }


def handoff_put(token_digest: str, handoff: dict[str, Any]) -> dict[str, Any]:
    """The TransactWriteItems entry that creates the handoff (a token is never reused)."""
    return {
        "Put": {
            "TableName": sessions_table(),
            "Item": to_item({"PK": handoff_pk(token_digest), "SK": HANDOFF_SK, **handoff}),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def get_handoff(token_digest: str) -> dict[str, Any] | None:
    """The handoff item as stored, expired or not (the caller tells 404 from 410). One GetItem."""
    response = ddb().get_item(
        TableName=sessions_table(), Key=key(handoff_pk(token_digest), HANDOFF_SK), ConsistentRead=True
    )
    return from_item(response.get("Item"))


def set_mobile_connected(token_digest: str, connected: bool, now: float, now_iso: str) -> dict[str, Any] | None:
    """Flip ``mobile_connected`` on a live handoff and return the item; None when there is no such
    handoff, HandoffGone when it expired. One UpdateItem."""
    try:
        response = ddb().update_item(
            TableName=sessions_table(),
            Key=key(handoff_pk(token_digest), HANDOFF_SK),
            UpdateExpression="SET mobile_connected = :c, updated_at = :u",
            ConditionExpression="attribute_exists(PK) AND expires_at > :now",
            ExpressionAttributeValues={":c": to_value(connected), ":u": to_value(now_iso), ":now": to_value(now)},
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except Exception as exc:
        if is_condition_failure(exc):
            if getattr(exc, "response", {}).get("Item"):
                raise HandoffGone from exc
            return None
        raise
    return from_item(response["Attributes"])


def record_upload(
    token_digest: str, slot: HandoffSlot, file: dict[str, Any], *, now: float, now_iso: str
) -> dict[str, Any] | None:
    """Fill ``slot`` with ``file`` (its S3 object and image facts) on a live, unsubmitted KYC handoff that
    asks for the slot; return the file it replaces (a retake), None on a first upload. One UpdateItem.

    HandoffGone, HandoffSubmitted or NotAKycHandoff when the handoff cannot take it (by the item as it
    was when the condition failed, so a concurrent submit is told apart from an expiry).
    """
    try:
        response = ddb().update_item(
            TableName=sessions_table(),
            Key=key(handoff_pk(token_digest), HANDOFF_SK),
            UpdateExpression="SET #slot = :filled, files.#slot = :file, uploads = uploads + :one, updated_at = :u",
            ConditionExpression=(
                "kind = :kyc AND expires_at > :now AND is_submitted = :false AND #slot IN (:empty, :filled)"
            ),
            ExpressionAttributeNames={"#slot": slot.value},
            ExpressionAttributeValues={
                ":filled": to_value(SLOT_FILLED),
                ":empty": to_value(SLOT_EMPTY),
                ":file": to_value(file),
                ":one": to_value(1),
                ":u": to_value(now_iso),
                ":kyc": to_value(KIND_KYC),
                ":now": to_value(now),
                ":false": to_value(False),
            },
            ReturnValues="UPDATED_OLD",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except Exception as exc:
        if is_condition_failure(exc):
            raise _why_refused(from_item(getattr(exc, "response", {}).get("Item")), now) from exc
        raise
    old = from_item(response.get("Attributes")) or {}
    return (old.get("files") or {}).get(slot.value)


def _why_refused(item: dict[str, Any] | None, now: float) -> Exception:
    if item is None or item.get("kind") != KIND_KYC:
        return NotAKycHandoff()
    if item["expires_at"] <= now:
        return HandoffGone()
    if item.get("is_submitted"):
        return HandoffSubmitted()
    return NotAKycHandoff()  # the slot is not part of this handoff


def submitted_update(
    token_digest: str, *, seen_uploads: int, result: dict[str, Any], now: float, now_iso: str
) -> dict[str, Any]:
    """The TransactWriteItems entry that marks the handoff submitted with the ``result`` its page shows
    (status, declined_code), if it is still live, unsubmitted and holds exactly the uploads the decision
    was made on (``seen_uploads``)."""
    return {
        "Update": {
            "TableName": sessions_table(),
            "Key": key(handoff_pk(token_digest), HANDOFF_SK),
            "UpdateExpression": "SET is_submitted = :true, #result = :result, updated_at = :u",
            "ExpressionAttributeNames": {"#result": "result"},
            "ConditionExpression": "expires_at > :now AND is_submitted = :false AND uploads = :seen",
            "ExpressionAttributeValues": {
                ":true": to_value(True),
                ":false": to_value(False),
                ":u": to_value(now_iso),
                ":now": to_value(now),
                ":seen": to_value(seen_uploads),
                ":result": to_value(result),
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }

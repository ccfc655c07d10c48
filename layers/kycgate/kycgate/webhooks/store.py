"""DynamoDB keys and queries of the webhooks context.

A delivery is one item (PK ``T#<tenant>#DLV#<id>``, SK ``DELIVERY``, written by the outbox) that
carries its attempts as a list, so recording an attempt is one conditional UpdateItem (a transaction
with a separate attempt item would cost twice the writes) and one GetItem reads the whole history.
The list is bounded by MAX_ATTEMPTS (replay refuses beyond it), which keeps the item far below
DynamoDB's 400 KB. An attempt in flight holds ``lease`` ({until, message_id}). Times the worker
compares in conditions (``next_attempt_at``, ``lease.until``) are epoch seconds; times shown to
tenants are ISO strings. Every state change is conditional, and expressions are kept short: each
clause costs CPU in DynamoDB's stand-ins (moto parses every expression anew).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

from kycgate.core import clock, counters
from kycgate.core.dynamo import (
    batch_get,
    ddb,
    from_item,
    is_condition_failure,
    key,
    query_index,
    records_table,
    to_item,
    to_value,
)
from kycgate.core.tenants import tenant_pk
from kycgate.webhooks.outbox import (
    DELIVERIES_COUNTER,
    FAILED_INDEX_PK,
    PENDING_INDEX_PK,
    DeliveryRef,
    deliveries_index_pk,
    delivery_pk,
    ref_from_pk,
    sweep_key,
)

DELIVERY_SK = "DELIVERY"
# Attempts a delivery may ever have (all rounds): ten rounds of the default schedule.
MAX_ATTEMPTS = 100
SECRET_SK = "WEBHOOK_SECRET"  # noqa: S105 - a sort key, not a secret

Outcome = Literal["delivered", "retry", "failed"]


class LeaseLost(Exception):
    """The delivery changed under an attempt (its lease expired and another receipt took it over)."""


class Attempt(NamedTuple):
    number: int
    attempted_at: str
    status_code: int | None
    latency_ms: int
    error: str | None
    response_excerpt: str | None


def _delivery_key(ref: DeliveryRef) -> dict[str, Any]:
    return key(delivery_pk(ref.tenant_id, ref.delivery_id), DELIVERY_SK)


def _update(
    ref: DeliveryRef,
    sets: dict[str, Any],
    removes: Iterable[str] = (),
    *,
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    extra_sets: Iterable[str] = (),
    **kwargs: Any,
) -> dict[str, Any]:
    """UpdateItem arguments from attribute -> value (None = remove). ``names``/``values`` serve the
    condition and ``extra_sets`` (SET clauses written out, e.g. counters)."""
    names = dict(names or {})
    values = dict(values or {})
    set_parts, remove_parts = list(extra_sets), []
    for i, (name, value) in enumerate(sets.items()):
        names[f"#u{i}"] = name
        if value is None:
            remove_parts.append(f"#u{i}")
        else:
            values[f":u{i}"] = to_value(value)
            set_parts.append(f"#u{i} = :u{i}")
    for j, name in enumerate(removes):
        names[f"#r{j}"] = name
        remove_parts.append(f"#r{j}")
    expression = ""
    if set_parts:
        expression += "SET " + ", ".join(set_parts)
    if remove_parts:
        expression += " REMOVE " + ", ".join(remove_parts)
    return {
        "TableName": records_table(),
        "Key": _delivery_key(ref),
        "UpdateExpression": expression.strip(),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        **kwargs,
    }


# ------------------------------------------------------------------------------------------ worker


def _update_returning(kwargs: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
    """Run a conditional UpdateItem: (True, the item after) or (False, the item that failed the condition)."""
    try:
        response = ddb().update_item(**kwargs)
    except Exception as exc:
        if is_condition_failure(exc):
            return False, from_item(exc.response.get("Item"))  # type: ignore[attr-defined]
        raise
    return True, from_item(response["Attributes"])


def claim(ref: DeliveryRef, *, message_id: str, now: float, lease_until: float) -> tuple[bool, dict[str, Any] | None]:
    """Take the delivery for one attempt if it is pending, due and not leased. One UpdateItem.

    Returns (True, the delivery) when claimed, else (False, the delivery as it is, or None if absent),
    so the caller can tell "already delivered" from "another receipt is on it" without a second read.
    While leased, the delivery's sweep key is the lease end: the sweeper leaves attempts in flight alone.
    """
    kwargs = _update(
        ref,
        {"lease": {"until": lease_until, "message_id": message_id}, "GSI2SK": sweep_key(lease_until, ref.delivery_id)},
        ConditionExpression=(
            "#status = :pending"
            " AND (attribute_not_exists(next_attempt_at) OR next_attempt_at <= :now)"
            " AND (attribute_not_exists(lease) OR lease.#until <= :now)"
        ),
        names={"#status": "status", "#until": "until"},
        values={":pending": to_value("pending"), ":now": to_value(now)},
        ReturnValues="ALL_NEW",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    return _update_returning(kwargs)


def record_attempt(
    ref: DeliveryRef,
    attempt: Attempt,
    *,
    message_id: str,
    round_attempts: int,
    outcome: Outcome,
    now: float,
    next_attempt_at: float | None = None,
    failure_reason: str | None = None,
    failure_detail: str | None = None,
) -> None:
    """Append the attempt and move the delivery on, if this receipt still holds its lease.

    One UpdateItem, conditional on the lease and on ``attempt_count`` being the one claimed; raises
    LeaseLost when the condition fails.
    """
    now_iso = clock.iso(now)
    sets: dict[str, Any] = {
        "attempt_count": attempt.number,
        "round_attempts": round_attempts,
        "updated_at": now_iso,
    }
    removes = ["lease"]
    if outcome == "delivered":
        sets.update({"status": "delivered", "delivered_at": now_iso})
        removes += ["GSI2PK", "GSI2SK", "next_attempt_at"]
    elif outcome == "retry":
        assert next_attempt_at is not None
        sets.update(
            {
                "next_attempt_at": next_attempt_at,
                "GSI2SK": sweep_key(next_attempt_at, ref.delivery_id),
                "owner_message_id": message_id,
            }
        )
    else:
        sets.update(
            {
                "status": "failed",
                "failed_at": now_iso,
                "failure_reason": failure_reason,
                "failure_detail": failure_detail,
                "GSI2PK": FAILED_INDEX_PK,
                "GSI2SK": sweep_key(now, ref.delivery_id),
                "owner_message_id": message_id,
            }
        )
        removes.append("next_attempt_at")
    record = {
        "attempt": attempt.number,
        "attempted_at": attempt.attempted_at,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error,
        "response_excerpt": attempt.response_excerpt,
    }
    update = _update(
        ref,
        sets,
        removes,
        # The lease, not the status: a leased delivery is pending (only the lease holder moves it on).
        ConditionExpression="lease.message_id = :mid AND attempt_count = :prev",
        names={"#attempts": "attempts"},
        values={
            ":mid": to_value(message_id),
            ":prev": to_value(attempt.number - 1),
            ":none": to_value([]),
            ":attempt": to_value([{k: v for k, v in record.items() if v is not None}]),
        },
        extra_sets=["#attempts = list_append(if_not_exists(#attempts, :none), :attempt)"],
    )
    try:
        ddb().update_item(**update)
    except Exception as exc:
        if is_condition_failure(exc):
            raise LeaseLost(ref.delivery_id) from exc
        raise


# ------------------------------------------------------------------------------------------ tenant API


def get_delivery(ref: DeliveryRef) -> dict[str, Any] | None:
    """The delivery item with its attempts, or None. One GetItem."""
    return from_item(ddb().get_item(TableName=records_table(), Key=_delivery_key(ref)).get("Item"))


def deliveries_total(tenant_id: str) -> int:
    """The tenant's deliveries, from the counter their creates keep (outbox.delivery_puts). One BatchGetItem."""
    return counters.read(tenant_id, [DELIVERIES_COUNTER])[DELIVERIES_COUNTER].get("total", 0)


def list_deliveries(
    tenant_id: str, *, status: str | None, event: str | None, reference: str | None
) -> list[dict[str, Any]]:
    """The tenant's deliveries, newest first, filtered. One Query per 1 MB of the tenant's deliveries."""
    return query_index(
        records_table(),
        deliveries_index_pk(tenant_id),
        equals={"status": status, "event": event, "reference": reference},
    )


def reset_for_replay(ref: DeliveryRef, now: float) -> tuple[bool, dict[str, Any] | None]:
    """Put a delivered or failed delivery back to pending, same id, new round. One UpdateItem.

    Returns (True, the delivery) when reset, else (False, the delivery as it is, or None if absent).
    """
    kwargs = _update(
        ref,
        {
            "status": "pending",
            "round_attempts": 0,
            "GSI2PK": PENDING_INDEX_PK,
            "GSI2SK": sweep_key(now, ref.delivery_id),
            "updated_at": clock.iso(now),
        },
        [
            "next_attempt_at",
            "failure_reason",
            "failure_detail",
            "failed_at",
            "delivered_at",
            "owner_message_id",
            "lease",
        ],
        ConditionExpression="#status IN (:delivered, :failed) AND attempt_count < :max",
        names={"#status": "status"},
        values={
            ":delivered": to_value("delivered"),
            ":failed": to_value("failed"),
            ":max": to_value(MAX_ATTEMPTS),
            ":zero": to_value(0),
            ":one": to_value(1),
        },
        extra_sets=["replay_count = if_not_exists(replay_count, :zero) + :one"],
        ReturnValues="ALL_NEW",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    return _update_returning(kwargs)


# ------------------------------------------------------------------------------------------ sweeper, CLI


def overdue_pending(cutoff: float, limit: int) -> list[tuple[DeliveryRef, str]]:
    """Up to ``limit`` pending deliveries whose sweep time is before ``cutoff``, oldest first, with
    their current sweep key. One Query per 1 MB (keys only)."""
    kwargs: dict[str, Any] = {
        "TableName": records_table(),
        "IndexName": "GSI2",
        "KeyConditionExpression": "GSI2PK = :pk AND GSI2SK < :cutoff",
        "ExpressionAttributeValues": {":pk": to_value(PENDING_INDEX_PK), ":cutoff": to_value(clock.iso(cutoff))},
        "Limit": limit,
    }
    found: list[tuple[DeliveryRef, str]] = []
    while len(found) < limit:
        response = ddb().query(**kwargs)
        found += [(ref_from_pk(raw["PK"]["S"]), raw["GSI2SK"]["S"]) for raw in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            break
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return found[:limit]


def rearm(ref: DeliveryRef, *, seen_sweep_key: str, now: float) -> bool:
    """Move a pending delivery's sweep time to ``now`` if nobody touched it since it was read, so two
    sweeper runs (or one run and an attempt) cannot both act on it. One UpdateItem."""
    kwargs = _update(
        ref,
        {"GSI2SK": sweep_key(now, ref.delivery_id)},
        ConditionExpression="GSI2PK = :pending AND GSI2SK = :seen",
        values={":pending": to_value(PENDING_INDEX_PK), ":seen": to_value(seen_sweep_key)},
    )
    try:
        ddb().update_item(**kwargs)
    except Exception as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def failed_refs(tenant_id: str | None) -> list[DeliveryRef]:
    """Every failed delivery, or one tenant's, oldest first. One Query per 1 MB (keys only)."""
    kwargs: dict[str, Any] = {
        "TableName": records_table(),
        "IndexName": "GSI2",
        "KeyConditionExpression": "GSI2PK = :pk",
        "ExpressionAttributeValues": {":pk": to_value(FAILED_INDEX_PK)},
    }
    if tenant_id is not None:
        kwargs["FilterExpression"] = "begins_with(PK, :prefix)"
        kwargs["ExpressionAttributeValues"][":prefix"] = to_value(delivery_pk(tenant_id, ""))
    refs: list[DeliveryRef] = []
    while True:
        response = ddb().query(**kwargs)
        refs += [ref_from_pk(raw["PK"]["S"]) for raw in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            return refs
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


# ------------------------------------------------------------------------------------------ secrets


def get_secret(tenant_id: str) -> dict[str, Any] | None:
    """The tenant's signing secret record, or None. One GetItem."""
    response = ddb().get_item(TableName=records_table(), Key=key(tenant_pk(tenant_id), SECRET_SK))
    return from_item(response.get("Item"))


def get_secrets(tenant_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Secret records by tenant (absent tenants left out). One BatchGetItem per 100 tenants."""
    keys = [key(tenant_pk(t), SECRET_SK) for t in sorted(set(tenant_ids))]
    return {item["PK"].removeprefix("T#"): item for item in batch_get(records_table(), keys)}


def create_secret(tenant_id: str, secret: str, now: float) -> bool:
    """Store a first secret unless one exists (a concurrent first use). One PutItem."""
    item = {"PK": tenant_pk(tenant_id), "SK": SECRET_SK, "current": secret, "created_at": clock.iso(now), "version": 1}
    try:
        ddb().put_item(TableName=records_table(), Item=to_item(item), ConditionExpression="attribute_not_exists(PK)")
    except Exception as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def rotate_secret(
    tenant_id: str, *, expected_version: int, new_secret: str, previous: str, previous_expires_at: float, now: float
) -> bool:
    """Replace the current secret, keeping the old one as ``previous`` until it expires, if nobody
    rotated since ``expected_version`` was read. One UpdateItem."""
    try:
        ddb().update_item(
            TableName=records_table(),
            Key=key(tenant_pk(tenant_id), SECRET_SK),
            UpdateExpression=(
                "SET #current = :new, previous = :previous, previous_expires_at = :expires, "
                "rotated_at = :now, created_at = :now, version = :next"
            ),
            ConditionExpression="version = :expected",
            ExpressionAttributeNames={"#current": "current"},
            ExpressionAttributeValues={
                ":new": to_value(new_secret),
                ":previous": to_value(previous),
                ":expires": to_value(previous_expires_at),
                ":now": to_value(clock.iso(now)),
                ":next": to_value(expected_version + 1),
                ":expected": to_value(expected_version),
            },
        )
    except Exception as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True

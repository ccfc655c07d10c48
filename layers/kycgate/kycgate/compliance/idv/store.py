"""DynamoDB keys and queries of IDV tasks, their upload tokens and the tenant's points.

A task is its own partition in RecordsTable, listed through GSI1 (newest first). The points balance is
one item per tenant (``T#<tenant>#POINTS``), changed only by conditional updates: a deduction
never takes it below zero and commits in the same transaction as the task it pays for, so a retried
upload (whose task is no longer waiting) cannot pay twice. Upload tokens (sdk_token, the hosted page's
token) live in SessionsTable under their SHA-256 digest only.

DynamoDB calls: create 2 (the id counter's GetItem, then one TransactWriteItems: counter step, task,
points, callback delivery and its count); initiate 2 (the same, with the token instead of the points); upload 2
(the token's GetItem, then one TransactWriteItems: task, points, delivery); with a DD task, after either,
one TransactWriteItems (its id on the task, the task's delivery); the hosted page 2 (token,
task); get 1; review 2
(GetItem, then the update with its callback).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kycgate.core import sequences
from kycgate.core.dynamo import (
    cancellation_reasons,
    ddb,
    from_item,
    key,
    live,
    query_index,
    records_table,
    sessions_table,
    set_attributes,
    to_item,
    to_value,
)
from kycgate.core.listing import ListQuery, NumberedList
from kycgate.core.tenants import tenant_pk
from kycgate.webhooks import outbox
from kycgate.webhooks.outbox import PendingDelivery

TASK_SK = "IDV"
SEQUENCE = "idv"
POINTS_SK = "POINTS"
TOKEN_SK = "IDVTOKEN"  # noqa: S105 - a sort key, not a secret


class PointsExhausted(Exception):
    """The balance did not cover the operation (nothing was written)."""


class TaskNotWaiting(Exception):
    """The task has its photos already (or a review was already decided): nothing was written."""


def task_pk(tenant_id: str, idv_task_id: int) -> str:
    return f"{tenant_pk(tenant_id)}#IDV#{idv_task_id}"


def tasks_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#IDVS"


def token_pk(token_digest: str) -> str:
    return f"IDVTOKEN#{token_digest}"


def points_key(tenant_id: str) -> dict[str, Any]:
    return key(f"{tenant_pk(tenant_id)}#POINTS", POINTS_SK)


NewTask = tuple[dict[str, Any], list[PendingDelivery], list[dict[str, Any]]]  # task, deliveries, other writes


def points_update(tenant_id: str, cost: int, *, more_than: int | None = None) -> dict[str, Any]:
    """The TransactWriteItems entry that takes ``cost`` points, only if that leaves none below zero
    (and, for ``more_than``, only if the balance is above it)."""
    condition = "points >= :cost" + (" AND points > :floor" if more_than is not None else "")
    values = {":cost": to_value(cost)}
    if more_than is not None:
        values[":floor"] = to_value(more_than)
    return {
        "Update": {
            "TableName": records_table(),
            "Key": points_key(tenant_id),
            "UpdateExpression": "SET points = points - :cost",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
    }


def points_check(tenant_id: str, more_than: int) -> dict[str, Any]:
    """A ConditionCheck that the balance is above ``more_than`` (an initiation takes nothing yet)."""
    return {
        "ConditionCheck": {
            "TableName": records_table(),
            "Key": points_key(tenant_id),
            "ConditionExpression": "points > :floor",
            "ExpressionAttributeValues": {":floor": to_value(more_than)},
        }
    }


def create_task(tenant_id: str, build: Callable[[int], NewTask]) -> dict[str, Any]:
    """Store the task ``build(idv_task_id)`` makes under the tenant's next id, with its deliveries and
    other writes (the points, a token), all or nothing, then queue the deliveries; the task stored.
    ``PointsExhausted`` when a points write's condition failed."""
    others_count = [1]

    def record(idv_task_id: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[PendingDelivery]]:
        task, deliveries, others = build(idv_task_id)
        others_count[0] = len(others)
        item = {
            "PK": task_pk(tenant_id, idv_task_id),
            "SK": TASK_SK,
            "GSI1PK": tasks_index_pk(tenant_id),
            "GSI1SK": f"{task['created_at']}#{idv_task_id:012d}",
            **task,
        }
        put = {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
        return task, [*others, {"Put": put}], deliveries

    try:
        return outbox.create_with_next_id(tenant_id, SEQUENCE, record)
    except Exception as exc:
        # Position 0 is the counter's step; the other writes follow it.
        if _points_refused(exc, positions=range(1, 1 + others_count[0])):
            raise PointsExhausted from None
        raise


def complete_task(
    tenant_id: str, idv_task_id: int, result: dict[str, Any], cost: int, deliveries: list[PendingDelivery]
) -> None:
    """Write the checked result onto a task still waiting for its photos and take its points, in one
    transaction, then queue the deliveries. ``TaskNotWaiting`` when it already has them,
    ``PointsExhausted`` when the balance does not cover it."""
    task_key = key(task_pk(tenant_id, idv_task_id), TASK_SK)
    update = {
        "Update": set_attributes(
            records_table(), task_key, result, "progress = :initiated", {":initiated": "initiated"}
        )
    }
    try:
        outbox.commit([update, points_update(tenant_id, cost)], deliveries)
    except Exception as exc:
        reasons = cancellation_reasons(exc)
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            raise TaskNotWaiting from None
        if _points_refused(exc, positions=[1]):
            raise PointsExhausted from None
        raise


def review_task(tenant_id: str, idv_task_id: int, changes: dict[str, Any], deliveries: list[PendingDelivery]) -> None:
    """Record the tenant's decision once (while audit_status is Pending), then queue the deliveries."""
    update = {
        "Update": set_attributes(
            records_table(),
            key(task_pk(tenant_id, idv_task_id), TASK_SK),
            changes,
            "audit_status = :pending AND progress = :completed",
            {":pending": "Pending", ":completed": "completed"},
        )
    }
    try:
        outbox.commit([update], deliveries)
    except Exception as exc:
        reasons = cancellation_reasons(exc)
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            raise TaskNotWaiting from None
        raise


def set_dd_task(tenant_id: str, idv_task_id: int, changes: dict[str, Any], deliveries: list[PendingDelivery]) -> None:
    """Record the DD task created from the task (or why there is none), once, with the task's callback
    (queued after the commit)."""
    update = {
        "Update": set_attributes(
            records_table(),
            key(task_pk(tenant_id, idv_task_id), TASK_SK),
            changes,
            "attribute_exists(PK) AND attribute_not_exists(created_search_task_id)"
            " AND attribute_not_exists(dd_task_error)",
            {},
        )
    }
    outbox.commit([update], deliveries)


def get_task(tenant_id: str, idv_task_id: int) -> dict[str, Any] | None:
    response = ddb().get_item(
        TableName=records_table(), Key=key(task_pk(tenant_id, idv_task_id), TASK_SK), ConsistentRead=True
    )
    return from_item(response.get("Item"))


def tasks_query(tenant_id: str, *, created_from: str | None, created_to: str | None) -> ListQuery:
    # '~' sorts after "#<idv_task_id>", so a task created at created_to is included.
    return ListQuery(tasks_index_pk(tenant_id), "GSI1", created_from, f"{created_to}#~" if created_to else None)


def task_count(tenant_id: str) -> int:
    """The tenant's tasks: their last idv_task_id (ids have no gaps, tasks are never deleted). One GetItem."""
    return sequences.last_id(tenant_id, SEQUENCE)


def list_tasks(tenant_id: str, *, created_from: str | None, created_to: str | None, **equals: Any) -> list[dict]:
    return query_index(
        records_table(),
        tasks_index_pk(tenant_id),
        sort_from=created_from,
        sort_to=f"{created_to}#~" if created_to else None,
        equals=equals,
    )


TASKS = NumberedList(tasks_query, list_tasks, task_count)


def token_put(token_digest: str, tenant_id: str, idv_task_id: int, channel: str, expires_at: float) -> dict[str, Any]:
    item = {
        "PK": token_pk(token_digest),
        "SK": TOKEN_SK,
        "tenant_id": tenant_id,
        "idv_task_id": idv_task_id,
        "channel": channel,
        "expires_at": expires_at,
        "ttl": int(expires_at) + 86400,
    }
    return {
        "Put": {"TableName": sessions_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
    }


def get_token(token_digest: str, *, include_expired: bool = False) -> dict[str, Any] | None:
    """The token's item; a lapsed one only with ``include_expired`` (the hosted page names the lapse)."""
    response = ddb().get_item(
        TableName=sessions_table(), Key=key(token_pk(token_digest), TOKEN_SK), ConsistentRead=True
    )
    item = from_item(response.get("Item"))
    return item if include_expired else live(item)


def balance(tenant_id: str) -> int:
    item = ddb().get_item(TableName=records_table(), Key=points_key(tenant_id), ConsistentRead=True).get("Item")
    return int(item["points"]["N"]) if item else 0


def grant(tenant_id: str, points: int) -> int:
    """Add ``points`` to the balance (created at zero); the new balance."""
    response = ddb().update_item(
        TableName=records_table(),
        Key=points_key(tenant_id),
        UpdateExpression="SET points = if_not_exists(points, :zero) + :points",
        ExpressionAttributeValues={":zero": to_value(0), ":points": to_value(points)},
        ReturnValues="UPDATED_NEW",
    )
    return int(response["Attributes"]["points"]["N"])


def _points_refused(exc: Exception, positions: Any) -> bool:
    """Whether the transaction was cancelled by a points entry's condition (a missing balance item
    fails it too: ``points`` is absent)."""
    reasons = cancellation_reasons(exc)
    return any(i < len(reasons) and reasons[i].get("Code") == "ConditionalCheckFailed" for i in positions)
